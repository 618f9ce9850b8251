# citegraph API image. Build: docker build -t citegraph .
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY viz ./viz
RUN pip install . && useradd --create-home citegraph
USER citegraph
EXPOSE 8000
# Settings come from the environment (see README "Configuration").
CMD ["citegraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
