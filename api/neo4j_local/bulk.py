"""``neo4j-admin database import full`` on the managed local server.

The importer writes store files directly and needs its database offline;
Community edition has one user database and cannot stop it alone, so the whole
server is stopped, the import runs (``--overwrite-destination``: the database's
files are replaced; the system database, with its users, is kept), and the
server is started again. The import tool's classes
(``org.neo4j.importer``, jar ``neo4j-import-tool``) are part of the jars the
pom assembles (a dependency of ``org.neo4j:neo4j``).
"""

from __future__ import annotations

import subprocess
import time
from typing import Sequence

from .manager import (
    Neo4jLocalError,
    Settings,
    _java,
    _java_env,
    _launcher,
    _lock,
    _log,
    _running_pid,
    _stop_pid,
    start,
)

__all__ = ["bulk_import"]

ADMIN_MAIN = "org.neo4j.server.startup.Neo4jAdminCommand"


def bulk_import(args: Sequence[str], *, timeout: float = 3600.0, start_timeout: float = 240.0) -> dict:
    """Stop the local server, run ``neo4j-admin database import full <args>``, start it.

    Returns the dict of :func:`api.neo4j_local.start` plus ``import_seconds``,
    ``stop_seconds`` and ``start_seconds``. Raises :class:`Neo4jLocalError` with
    the importer's output when it fails (the server is started again all the same:
    the old database is intact unless the importer got as far as replacing it).
    """
    s = Settings()
    java = _java()
    t0 = time.perf_counter()
    with _lock(s):
        pid = _running_pid(s)
        if pid is not None:
            _stop_pid(s, pid, 60.0)
    t1 = time.perf_counter()
    cmd = _launcher(s, java, ADMIN_MAIN, "database", "import", "full", *args)
    _log("importing: neo4j-admin database import full " + " ".join(args[-3:]))
    try:
        out = subprocess.run(cmd, env=_java_env(s), cwd=s.home, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Neo4jLocalError(f"neo4j-admin database import did not finish within {timeout:.0f} s") from None
    t2 = time.perf_counter()
    failed = out.returncode != 0
    info = start(timeout=start_timeout)
    t3 = time.perf_counter()
    if failed:
        tail = "\n".join((out.stdout + "\n" + out.stderr).strip().splitlines()[-30:])
        raise Neo4jLocalError(f"neo4j-admin database import full failed (exit {out.returncode}):\n{tail}")
    _log(f"imported in {t2 - t1:.1f} s (stop {t1 - t0:.1f} s, start {t3 - t2:.1f} s)")
    return {**info, "stop_seconds": t1 - t0, "import_seconds": t2 - t1, "start_seconds": t3 - t2,
            "output": out.stdout[-4000:]}
