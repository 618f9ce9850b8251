"""Settings from the environment and ``.env``: one class, built in factories."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every knob of citegraph. Environment names are the field names in upper case
    (``CITEGRAPH_STORE``, ``NEO4J_URI``, ...), read from the environment or ``.env``.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    citegraph_store: Literal["embedded", "neo4j"] = "embedded"
    citegraph_db: Path = Path("citegraph.db")

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    #: Seconds the driver keeps retrying a transaction after a transient error or a
    #: lost connection before the store gives up with StoreUnavailable (CLI exit 3).
    #: Short by default: a server that is gone should fail a command within seconds,
    #: not after the driver's own 30 s. The API caps it lower (api/app.py API_MAX_RETRY_SECONDS).
    neo4j_max_retry_time: float = Field(5.0, ge=0, le=600)
    #: Seconds to wait for a new TCP/Bolt connection to the server.
    neo4j_connection_timeout: float = Field(5.0, gt=0, le=600)
    #: Sessions that write a build's new and changed edges into Neo4j at once (Neo4jStore).
    neo4j_write_workers: int = Field(2, ge=1, le=16)

    citegraph_api_key: SecretStr | None = None
    citegraph_cypher_timeout: float = Field(5.0, gt=0, le=600)
    citegraph_cypher_max_rows: int = Field(1000, ge=1, le=1_000_000)
    #: JSON bytes of rows one /cypher answer may carry (10 MB); past it, truncated.
    citegraph_cypher_max_bytes: int = Field(10_000_000, ge=1024, le=1_000_000_000)
    #: /cypher queries run at once per API process; more wait (and time out) in line.
    citegraph_cypher_concurrency: int = Field(4, ge=1, le=64)
    citegraph_cors_origins: str = ""
    citegraph_max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    citegraph_host: str = "127.0.0.1"
    citegraph_port: int = Field(8000, ge=1, le=65535)
    citegraph_batch_size: int = Field(5000, ge=1, le=1_000_000)

    # `citegraph fetch`: remote sources (graph/fetch). The e-mail puts OpenAlex calls in
    # its polite pool; the keys raise the sources' rate limits. Base URLs are settable
    # so tests (and mirrors) can stand in for the real services.
    citegraph_openalex_mailto: str | None = None
    citegraph_openalex_api_key: SecretStr | None = None
    citegraph_openalex_url: str = "https://api.openalex.org"
    citegraph_s2_api_key: SecretStr | None = None
    citegraph_s2_url: str = "https://api.semanticscholar.org/graph/v1"
    #: Retries of a request answered 429/5xx (or not at all), with exponential backoff and jitter.
    citegraph_fetch_retries: int = Field(5, ge=0, le=20)
    #: Responses of remote sources, one file per request, so a rerun costs no requests.
    citegraph_cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "citegraph")

    @field_validator("citegraph_api_key")
    @classmethod
    def _key_not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        # "" means no key (the protected endpoints answer 403); a key of only
        # spaces, or with spaces around it, can never be sent in a Bearer header.
        if value is None or value.get_secret_value() == "":
            return None
        secret = value.get_secret_value()
        if not secret.strip():
            raise ValueError("CITEGRAPH_API_KEY is blank (only whitespace); set a long random secret or unset it")
        if secret != secret.strip():
            raise ValueError("CITEGRAPH_API_KEY starts or ends with whitespace; remove it")
        return value

    @model_validator(mode="after")
    def _neo4j_needs_password(self) -> "Settings":
        if self.citegraph_store == "neo4j" and not self.neo4j_password:
            raise ValueError(
                "CITEGRAPH_STORE=neo4j needs NEO4J_PASSWORD (and usually NEO4J_URI); "
                "set them in the environment or in .env"
            )
        return self

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.citegraph_cors_origins.split(",") if o.strip()]
