"""What every ``citegraph`` command module shares: exit codes, the global options'
state, settings, the store context and the error -> exit-code mapping.

Command modules (:mod:`api.cli`, :mod:`api.cli_server`, :mod:`api.cli_viz`,
:mod:`api.cli_neo4j`) import from here, never from each other, so that the CLI has
no import circle (checked by ``lint-imports``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
from pathlib import Path
from typing import Iterator, Optional

import typer
from pydantic import ValidationError

from graph.config import Settings
from graph.errors import BadInput, CitegraphError, InvalidParameter, NotFound, NotSupported, StoreUnavailable

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3


class _State:
    store: Optional[str] = None
    db: Optional[Path] = None
    verbose: bool = False


state = _State()


def _err(message: str) -> None:
    typer.echo(message, err=True)


def settings() -> Settings:
    overrides = {}
    if state.store:
        overrides["citegraph_store"] = state.store
    if state.db:
        overrides["citegraph_db"] = state.db
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        msgs = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        _err(f"Error: bad configuration: {msgs}")
        raise typer.Exit(EXIT_USAGE) from None


@contextlib.contextmanager
def errors_to_exit_codes() -> Iterator[None]:
    """Map our exception tree to exit codes and one clear line on stderr."""
    try:
        yield
    except StoreUnavailable as exc:
        _err(f"Error: store unavailable: {exc}")
        raise typer.Exit(EXIT_STORE) from None
    except InvalidParameter as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except (BadInput, NotFound, NotSupported) as exc:
        _err(f"Error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except CitegraphError as exc:  # any other error of ours is still a clear message
        _err(f"Error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextlib.contextmanager
def open_store(cfg: Settings):
    from graph.stores import create_store

    store = create_store(cfg)
    store.open()
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def progress_bar() -> Iterator:
    """A rich progress bar on a terminal; silent in CI logs and pipes."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda stage, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


# --- for demo / serve --------------------------------------------------------------


class PortInUse(OSError):
    """Another process listens on the port we were asked to serve on."""


def check_port_free(host: str, port: int) -> None:
    """Bind and release ``host:port`` the way uvicorn will; raise PortInUse when taken.

    Checked before a demo builds anything (issue 21: it built for minutes, then died
    with ``[Errno 98]`` and exit code 3).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(exc.errno, f"port {port} on {host} is already in use") from exc
            raise


def check_serve_address(host: Optional[str], port: Optional[int]) -> tuple[str, int]:
    """The address to serve on (options, else settings); exit 2 with a hint when the port is taken."""
    try:
        base = Settings(citegraph_store="embedded")  # only host/port matter here
        host, port = host or base.citegraph_host, port or base.citegraph_port
    except ValidationError:
        host, port = host or "127.0.0.1", port or 8000  # settings() reports the bad configuration
    try:
        check_port_free(host, port)
    except PortInUse:
        _err(f"Error: port {port} on {host} is already in use by another process. "
             f"Choose another with --port N (or set CITEGRAPH_PORT), or stop what listens there.")
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        _err(f"Error: cannot serve on {host}:{port}: {exc.strerror or exc}. Check --host/--port.")
        raise typer.Exit(EXIT_USAGE) from None
    return host, port
