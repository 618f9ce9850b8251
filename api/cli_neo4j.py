"""``citegraph neo4j install|start|status|stop`` and the helpers ``demo --store neo4j`` uses.

The same code as ``scripts/neo4j-local`` (:mod:`api.neo4j_local`): a Neo4j Community
server assembled from Maven Central jars (needs Java 17+ and Maven), on loopback.
"""

from __future__ import annotations

import os
import secrets
import shlex
from typing import Optional

import typer

from api import neo4j_local
from api.cli_common import EXIT_BAD_INPUT, EXIT_STORE

__all__ = ["register", "ensure_local_neo4j"]

neo4j_app = typer.Typer(
    name="neo4j",
    help="The managed local Neo4j Community server (from Maven jars; Java 17+ and Maven). "
         "Home NEO4J_LOCAL_HOME, port NEO4J_LOCAL_PORT (default 7687).",
    no_args_is_help=True,
)


def _fail(exc: neo4j_local.Neo4jLocalError) -> typer.Exit:
    typer.echo(f"Error: local Neo4j: {exc}", err=True)
    return typer.Exit(EXIT_STORE)


def _env_lines(info: dict) -> list[str]:
    pairs = (("CITEGRAPH_STORE", "neo4j"), ("NEO4J_URI", info["uri"]), ("NEO4J_USER", info["user"]),
             ("NEO4J_PASSWORD", info["password"]))
    return [f"export {k}={shlex.quote(str(v))}" for k, v in pairs]


@neo4j_app.command()
def install(force: bool = typer.Option(False, "--force", help="Run Maven again even if assembled.")) -> None:
    """Assemble the server's jars with Maven (once) and write its configuration."""
    try:
        home = neo4j_local.install(force=force)
    except neo4j_local.Neo4jLocalError as exc:
        raise _fail(exc) from None
    typer.echo(f"Neo4j {neo4j_local.pinned_version()} assembled in {home}")


@neo4j_app.command()
def start(
    timeout: float = typer.Option(180.0, "--timeout", min=1, help="Seconds to wait for Bolt."),
    print_env: bool = typer.Option(False, "--print-env",
                                   help="Print only the export lines on stdout (for eval)."),
) -> None:
    """Install if needed, start the server, wait until it answers; print the settings to use it."""
    try:
        info = neo4j_local.start(timeout=timeout)
    except neo4j_local.Neo4jLocalError as exc:
        raise _fail(exc) from None
    how = "already running" if info["already_running"] else f"started in {info['startup_seconds']:.1f} s"
    typer.echo(f"Neo4j ready at {info['uri']} (pid {info['pid']}, {how})", err=print_env)
    if not print_env:
        typer.echo("Use it with citegraph (or: eval \"$(citegraph neo4j start --print-env)\"):")
    for line in _env_lines(info):
        typer.echo(line)


@neo4j_app.command()
def status() -> None:
    """Whether the server runs and answers (exit 0 answering, 1 not answering, 3 not running)."""
    try:
        info = neo4j_local.status()
    except neo4j_local.Neo4jLocalError as exc:
        raise _fail(exc) from None
    if not info["running"]:
        typer.echo(f"not running (home {info['home']}, assembled={info['assembled']}); "
                   "start it with: citegraph neo4j start")
        raise typer.Exit(EXIT_STORE)
    state = "answering" if info["answering"] else f"not answering ({info.get('last_error')})"
    typer.echo(f"running pid {info['pid']} at {info['uri']}, {state}, home {info['home']}")
    if not info["answering"]:
        raise typer.Exit(EXIT_BAD_INPUT)


@neo4j_app.command()
def stop(timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds before SIGKILL.")) -> None:
    """Stop the server (SIGTERM, SIGKILL after --timeout)."""
    try:
        stopped = neo4j_local.stop(timeout=timeout)
    except neo4j_local.Neo4jLocalError as exc:
        raise _fail(exc) from None
    typer.echo("stopped" if stopped else "not running")


def register(app: typer.Typer) -> None:
    """Add ``citegraph neo4j ...`` to the CLI."""
    app.add_typer(neo4j_app, name="neo4j")


# --- for demo / serve --------------------------------------------------------------


def ensure_local_neo4j() -> Optional[dict]:
    """Start the managed local Neo4j unless one is configured; export its settings.

    "Configured" means NEO4J_URI or NEO4J_PASSWORD is set (environment or ``.env``);
    then that server is used as is. Returns the start info, or None when configured.
    """
    from graph.config import Settings

    # store=embedded: only ask what is set, before the neo4j settings are validated.
    configured = Settings(citegraph_store="embedded").model_fields_set & {"neo4j_uri", "neo4j_password"}
    if configured:
        return None
    typer.echo("Starting the local Neo4j (citegraph neo4j start; Java 17+ and Maven) ...", err=True)
    try:
        info = neo4j_local.start(timeout=300)
    except neo4j_local.Neo4jLocalError as exc:
        raise _fail(exc) from None
    os.environ.update(NEO4J_URI=info["uri"], NEO4J_USER=info["user"], NEO4J_PASSWORD=info["password"])
    return info


def demo_api_key() -> str:
    """CITEGRAPH_API_KEY, or a fresh one for this demo (so /cypher works, on loopback)."""
    key = os.environ.get("CITEGRAPH_API_KEY")
    if not key:
        key = secrets.token_urlsafe(24)
        os.environ["CITEGRAPH_API_KEY"] = key
    return key


def print_neo4j_demo_settings(base_url: str, api_key: str) -> None:
    """How to use the served graph with Cypher: /cypher, ``citegraph query``, the settings."""
    pairs = [("CITEGRAPH_STORE", "neo4j"), ("NEO4J_URI", os.environ.get("NEO4J_URI", "")),
             ("NEO4J_USER", os.environ.get("NEO4J_USER", "neo4j")),
             ("NEO4J_PASSWORD", os.environ.get("NEO4J_PASSWORD", "")), ("CITEGRAPH_API_KEY", api_key)]
    body = '{"query": "MATCH (c:Community) RETURN c.id, c.label, c.size ORDER BY c.size DESC LIMIT 5"}'
    typer.echo("\nCypher on this graph (Neo4j store). Settings for another shell:")
    for k, v in pairs:
        typer.echo(f"  export {k}={shlex.quote(v)}")
    typer.echo("  citegraph query 'MATCH (p:Paper) RETURN count(p) AS papers'")
    typer.echo(f"  curl -s -X POST {base_url}/cypher -H 'Authorization: Bearer {api_key}' "
               f"-H 'Content-Type: application/json' -d {shlex.quote(body)}\n")
