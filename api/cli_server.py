"""The ``serve`` and ``query`` commands of the ``citegraph`` CLI.

Registered by :func:`api.cli._register_command_modules`; the shared helpers come
from :mod:`api.cli_common` (never from :mod:`api.cli`, which imports this module).
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Optional

import typer

__all__ = ["register", "server_urls", "echo_urls"]


def server_urls(host: str, port: int) -> dict[str, str]:
    """Where a served citegraph is: the map and the API docs.

    >>> server_urls("0.0.0.0", 8000)["map"]
    'http://127.0.0.1:8000/viz'
    """
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    return {"map": f"{base}/viz", "docs": f"{base}/docs"}


def echo_urls(host: str, port: int) -> None:
    """Print the map URL and the API docs URL before serving."""
    urls = server_urls(host, port)
    typer.echo(f"citegraph map:      {urls['map']}")
    typer.echo(f"citegraph API docs: {urls['docs']}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _parse_params(params_json: Optional[str], pairs: List[str]) -> dict[str, Any]:
    """``--params '{"id": "x"}'`` and ``--param id=x`` (values read as JSON when they parse)."""
    out: dict[str, Any] = {}
    if params_json:
        value = json.loads(params_json)
        if not isinstance(value, dict):
            raise ValueError("--params must be a JSON object")
        out.update(value)
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param wants name=value, got {pair!r}")
        try:
            out[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[name.strip()] = raw
    return out


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``query`` to the CLI."""

    @app.command()
    def serve(
        host: Optional[str] = typer.Option(None, "--host", help="Bind address (default CITEGRAPH_HOST)."),
        port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="Port (default CITEGRAPH_PORT)."),
        workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
        log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    ) -> None:
        """Serve the REST API (uvicorn, app factory; OpenAPI docs at /docs)."""
        from api.cli_common import check_serve_address, settings, state

        cfg = settings()  # fail fast on a bad configuration (exit 2)
        host, port = check_serve_address(host, port)  # a taken port: exit 2 with a hint
        # Worker processes build their own settings from the environment: pass the
        # global --store/--db options on that way.
        if state.store:
            os.environ["CITEGRAPH_STORE"] = state.store
        if state.db:
            os.environ["CITEGRAPH_DB"] = str(state.db)
        import uvicorn

        echo_urls(host or cfg.citegraph_host, port or cfg.citegraph_port)
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host or cfg.citegraph_host,
            port=port or cfg.citegraph_port,
            workers=workers,
            log_level=log_level,
        )

    @app.command()
    def query(
        cypher: str = typer.Argument(..., help="One read-only Cypher query."),
        params: Optional[str] = typer.Option(None, "--params", help="Parameters as a JSON object."),
        param: List[str] = typer.Option([], "--param", "-p", help="One parameter, name=value (repeatable)."),
        as_json: bool = typer.Option(False, "--json", help="Print {columns, rows, truncated} as JSON."),
    ) -> None:
        """Run a read-only Cypher query on the Neo4j store (timeout and row cap from settings)."""
        from api.cli_common import EXIT_BAD_INPUT, EXIT_USAGE, errors_to_exit_codes, open_store, settings

        cfg = settings()
        if cfg.citegraph_store != "neo4j":
            typer.echo(
                "Error: citegraph query needs the Neo4j store (CITEGRAPH_STORE=neo4j or --store neo4j); "
                "the embedded store has no Cypher engine.",
                err=True,
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            parameters = _parse_params(params, param)
        except (ValueError, json.JSONDecodeError) as exc:
            typer.echo(f"Error: bad parameters: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        with errors_to_exit_codes(), open_store(cfg) as store:
            result = store.cypher(cypher, parameters, timeout=cfg.citegraph_cypher_timeout,
                                  max_rows=cfg.citegraph_cypher_max_rows,
                                  max_bytes=cfg.citegraph_cypher_max_bytes)
        if as_json:
            typer.echo(json.dumps({"columns": list(result.columns), "rows": [list(r) for r in result.rows],
                                   "truncated": result.truncated}, ensure_ascii=False, default=str))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(*result.columns, show_lines=False)
        for row in result.rows:
            table.add_row(*(_cell(v) for v in row))
        Console(soft_wrap=True).print(table)
        note = f"{len(result.rows)} row(s)"
        if result.truncated:
            note += f"; truncated at the row cap of {cfg.citegraph_cypher_max_rows} (CITEGRAPH_CYPHER_MAX_ROWS)"
        typer.echo(note, err=True)
