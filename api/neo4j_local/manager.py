"""Run a real Neo4j Community 5.26 server locally without Docker.

The server is assembled from Maven Central (the ``pom.xml`` next to this module,
package data) into a home folder, configured for loopback only with a small heap,
and started detached in its own process group.  Only the stdlib is needed; the
``neo4j`` Python driver is used when it is importable, else a stdlib Bolt probe
(``bolt.py``) checks that the server answers, so any ``python3`` can run it.

The module lives in the package (not in ``scripts/``) since issue 21: a
``scripts/neo4j/`` folder holding the pom shadowed the ``neo4j`` driver whenever
the script ran from ``scripts/``.

CLI (all the same code)::

    citegraph neo4j install|start|status|stop     # with citegraph installed
    python3 scripts/neo4j_local.py install        # any python3, from a checkout
    python3 scripts/neo4j_local.py start [--print-env] [--timeout 180]
    python3 scripts/neo4j_local.py wait [--timeout 180]
    python3 scripts/neo4j_local.py status
    python3 scripts/neo4j_local.py stop [--timeout 60]
    python3 -m api.neo4j_local status

``start --print-env`` prints ``export NEO4J_URI=... NEO4J_USER=... NEO4J_PASSWORD=...``
on stdout (everything else goes to stderr), so ``eval "$(scripts/neo4j-local start
--print-env)"`` works.

Python::

    from api import neo4j_local
    info = neo4j_local.start(timeout=180)   # {"uri", "user", "password", "pid", ...}
    ...
    neo4j_local.stop()

Environment (defaults):
    NEO4J_LOCAL_HOME       ~/.cache/citegraph/neo4j-<version>
    NEO4J_LOCAL_DATA       <home>/data
    NEO4J_LOCAL_PORT       7687
    NEO4J_LOCAL_HEAP       1g   (max heap; initial heap = min(512m, max))
    NEO4J_LOCAL_PAGECACHE  256m
    NEO4J_LOCAL_VERSION    the neo4j.version pinned in api/neo4j_local/pom.xml
    NEO4J_LOCAL_OFFLINE    1 -> run mvn with -o (needs a populated ~/.m2)
    NEO4J_LOCAL_HEAP_INITIAL  initial heap (default: see NEO4J_LOCAL_HEAP)
    NEO4J_LOCAL_GC         g1 (default) or parallel
    NEO4J_LOCAL_FAST_JIT   1 -> -XX:TieredStopAtLevel=1 (C1 only): about 2x faster
                           start on 2 cores, slower long-running queries; 0 = full JIT.
                           Measured on hepth edge writes (session 3, loaded 2-core box):
                           C1 38-48 us server CPU per created edge, full JIT 20-33 us
                           once warm; start 10 s (C1) vs 35 s and 16 CPU s (full JIT),
                           and the first ~0.5M rows after a start cost ~2x more (C2 compiles).
                           Use 0 for write/read benchmarks, 1 (default) for tests.
    NEO4J_LOCAL_EXTRA_CONF extra neo4j.conf lines (newline separated)
    NEO4J_USER             neo4j
    NEO4J_PASSWORD         citegraph-dev   (min. 8 chars; only applied before the
                           first start of a data dir, and recorded there in
                           <data>/citegraph-password; a data dir that has that file
                           is opened with the password it records, unless
                           NEO4J_PASSWORD is set)

One file, over 600 lines, on purpose: the local server's whole life cycle (assemble,
configure, start, probe, stop) as one tested unit.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from . import bolt

POM = Path(__file__).resolve().parent / "pom.xml"
PID_NAME = "citegraph-neo4j.pid"
MARKER_NAME = ".citegraph-assembled"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"


class Neo4jLocalError(RuntimeError):
    """Any failure of install/start/wait/stop, with a human-readable message."""


def _log(msg: str) -> None:
    print(f"neo4j-local: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- settings


def pinned_version() -> str:
    override = os.environ.get("NEO4J_LOCAL_VERSION")
    if override:
        return override
    try:
        root = ET.parse(POM).getroot()
    except (OSError, ET.ParseError) as exc:
        raise Neo4jLocalError(f"cannot read {POM}: {exc}") from exc
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = root.find("m:properties/m:neo4j.version", ns)
    if node is None or not (node.text or "").strip():
        raise Neo4jLocalError(f"no <neo4j.version> property in {POM}")
    return node.text.strip()


PASSWORD_NAME = "citegraph-password"


def _recorded_password(data: Path) -> str:
    """The password a data dir was created with, when it recorded one (else "")."""
    try:
        return (data / PASSWORD_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


class Settings:
    def __init__(self) -> None:
        env = os.environ
        self.version = pinned_version()
        default_home = Path.home() / ".cache" / "citegraph" / f"neo4j-{self.version}"
        self.home = Path(env.get("NEO4J_LOCAL_HOME") or default_home).expanduser().resolve()
        self.data = Path(env.get("NEO4J_LOCAL_DATA") or self.home / "data").expanduser().resolve()
        self.lib = self.home / "lib"
        self.conf = self.home / "conf"
        self.logs = self.home / "logs"
        self.run = self.home / "run"
        self.imports = self.home / "import"
        self.plugins = self.home / "plugins"
        self.pid_file = self.run / PID_NAME
        port = env.get("NEO4J_LOCAL_PORT") or "7687"
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise Neo4jLocalError(f"NEO4J_LOCAL_PORT={port!r} is not a TCP port")
        self.port = int(port)
        self.user = env.get("NEO4J_USER") or "neo4j"
        self.password = env.get("NEO4J_PASSWORD") or _recorded_password(self.data) or "citegraph-dev"
        self.heap = _check_size("NEO4J_LOCAL_HEAP", env.get("NEO4J_LOCAL_HEAP") or "1g")
        self.pagecache = _check_size("NEO4J_LOCAL_PAGECACHE", env.get("NEO4J_LOCAL_PAGECACHE") or "256m")
        initial = env.get("NEO4J_LOCAL_HEAP_INITIAL") or ""
        self.heap_initial = _check_size("NEO4J_LOCAL_HEAP_INITIAL", initial) if initial else ""
        self.gc = (env.get("NEO4J_LOCAL_GC") or "g1").lower()
        if self.gc not in ("g1", "parallel"):
            raise Neo4jLocalError(f"NEO4J_LOCAL_GC={self.gc!r} is not one of g1, parallel")
        self.extra_conf = env.get("NEO4J_LOCAL_EXTRA_CONF") or ""
        self.offline = (env.get("NEO4J_LOCAL_OFFLINE") or "") not in ("", "0", "false", "no")
        self.fast_jit = (env.get("NEO4J_LOCAL_FAST_JIT") or "1") not in ("0", "false", "no")

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def _check_size(name: str, value: str) -> str:
    if not re.fullmatch(r"\d+[kmgKMG]?", value.strip()):
        raise Neo4jLocalError(f"{name}={value!r}: expected a size like 512m or 1g")
    return value.strip().lower()


def _bytes(size: str) -> int:
    m = re.fullmatch(r"(\d+)([kmg]?)", size)
    assert m
    return int(m.group(1)) * _UNITS[m.group(2)]


# ------------------------------------------------------------------------ tools


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise Neo4jLocalError("no Java found (install a JDK 17 or 21, or set JAVA_HOME)")
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise Neo4jLocalError(f"cannot run {java} -version: {exc}") from exc
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        raise Neo4jLocalError(f"cannot parse the Java version from: {out.stderr.strip()!r}")
    major = int(m.group(1)) if m.group(1) != "1" else int(m.group(2) or 0)
    if major < 17:
        raise Neo4jLocalError(f"Neo4j 5.26 needs Java 17 or 21; {java} is Java {major}")
    return java


def _java_env(s: Settings) -> dict[str, str]:
    env = dict(os.environ)
    # A global JAVA_OPTS replaces every JVM flag from neo4j.conf (heap, --add-opens).
    env.pop("JAVA_OPTS", None)
    env["NEO4J_HOME"] = str(s.home)
    env["NEO4J_CONF"] = str(s.conf)
    return env


def _launcher(s: Settings, java: str, main_class: str, *args: str) -> list[str]:
    return [java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", f"{s.lib}/*", f"-Dbasedir={s.home}", main_class, *args]


_LOG_NAMES = ("stdout.log", "neo4j.log", "debug.log")


def _log_sizes(s: Settings) -> dict[str, int]:
    sizes = {}
    for name in _LOG_NAMES:
        try:
            sizes[name] = (s.logs / name).stat().st_size
        except OSError:
            sizes[name] = 0
    return sizes


def _tail(path: Path, lines: int = 25, since: int = 0) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            if end < since:  # rotated
                since = 0
            fh.seek(max(since, end - 64 * 1024))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _log_tails(s: Settings, since: dict[str, int] | None = None) -> str:
    """Tails of the server logs (only what was written after `since`, if given)."""
    parts = []
    for name in _LOG_NAMES:
        tail = _tail(s.logs / name, since=(since or {}).get(name, 0))
        if tail.strip():
            parts.append(f"--- tail of {s.logs / name} ---\n{tail}")
    return "\n".join(parts) or f"(no new log output in {s.logs})"


@contextlib.contextmanager
def _lock(s: Settings):
    """Serialise install/start/stop on one home (e.g. parallel pytest workers)."""
    s.run.mkdir(parents=True, exist_ok=True)
    with open(s.run / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------- install

USER_LOGS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- neo4j user log (neo4j.log), written by api/neo4j_local (citegraph neo4j) -->
<Configuration status="ERROR" monitorInterval="30" packages="org.neo4j.logging.log4j">
    <Appenders>
        <RollingRandomAccessFile name="Neo4jLog" fileName="${config:server.directories.logs}/neo4j.log"
                                 filePattern="$${config:server.directories.logs}/neo4j.log.%02i">
            <Neo4jDebugLogLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSSZ}{GMT+0} %-5p %m%n"/>
            <Policies>
                <SizeBasedTriggeringPolicy size="20 MB"/>
            </Policies>
            <DefaultRolloverStrategy fileIndex="min" max="3"/>
        </RollingRandomAccessFile>
        <Console name="ConsoleAppender" target="SYSTEM_OUT">
            <PatternLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSSZ}{GMT+0} %-5p %m%n"/>
        </Console>
    </Appenders>
    <Loggers>
        <Root level="INFO">
            <AppenderRef ref="Neo4jLog"/>
            <AppenderRef ref="ConsoleAppender"/>
        </Root>
    </Loggers>
</Configuration>
"""

SERVER_LOGS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- neo4j server log (debug.log), written by api/neo4j_local (citegraph neo4j) -->
<Configuration status="ERROR" monitorInterval="30" packages="org.neo4j.logging.log4j">
    <Appenders>
        <RollingRandomAccessFile name="DebugLog" fileName="${config:server.directories.logs}/debug.log"
                                 filePattern="$${config:server.directories.logs}/debug.log.%02i">
            <Neo4jDebugLogLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSSZ}{GMT+0} %-5p [%c{1.}] %m%n"/>
            <Policies>
                <SizeBasedTriggeringPolicy size="20 MB"/>
            </Policies>
            <DefaultRolloverStrategy fileIndex="min" max="3"/>
        </RollingRandomAccessFile>
    </Appenders>
    <Loggers>
        <Root level="INFO">
            <AppenderRef ref="DebugLog"/>
        </Root>
    </Loggers>
</Configuration>
"""


def _neo4j_conf(s: Settings) -> str:
    initial = s.heap_initial or (s.heap if _bytes(s.heap) <= _bytes("512m") else "512m")
    lines = [
        "# Written by api/neo4j_local (citegraph neo4j) on every install/start; edits are lost.",
        "server.default_listen_address=127.0.0.1",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address=127.0.0.1:{s.port}",
        f"server.bolt.advertised_address=127.0.0.1:{s.port}",
        "server.http.enabled=false",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.memory.heap.initial_size={initial}",
        f"server.memory.heap.max_size={s.heap}",
        f"server.memory.pagecache.size={s.pagecache}",
        f"server.directories.data={s.data}",
        f"server.directories.logs={s.logs}",
        f"server.directories.run={s.run}",
        f"server.directories.import={s.imports}",
        f"server.directories.plugins={s.plugins}",
        f"server.directories.lib={s.lib}",
        "dbms.usage_report.enabled=false",
        # LOAD CSV from files is off; 5.26 Community has no setting for http(s) URLs:
        # /cypher refuses the LoadCSV plan operator (graph/stores/neo4j_readonly.py).
        "dbms.security.allow_csv_import_from_file_urls=false",
        # A dev/test server needs no transaction-log history beyond recovery: the
        # default (2 days) kept 1.1 GB of logs after one hepth build.
        "db.tx_log.rotation.retention_policy=2 files",
        "server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED",
        "server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED",
        "server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true",
        "server.jvm.additional=" + ("-XX:+UseParallelGC" if s.gc == "parallel" else "-XX:+UseG1GC"),
    ]
    if s.fast_jit:
        # Startup is CPU-bound class loading + JIT; C1 only roughly halves it on 2 cores.
        lines.append("server.jvm.additional=-XX:TieredStopAtLevel=1")
    extra = [ln.strip() for ln in s.extra_conf.splitlines() if ln.strip()]
    return "\n".join(lines + extra) + "\n"


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def write_conf(s: Settings) -> None:
    for d in (s.conf, s.logs, s.run, s.imports, s.plugins, s.data):
        d.mkdir(parents=True, exist_ok=True)
    _write_if_changed(s.conf / "neo4j.conf", _neo4j_conf(s))
    _write_if_changed(s.conf / "user-logs.xml", USER_LOGS_XML)
    _write_if_changed(s.conf / "server-logs.xml", SERVER_LOGS_XML)


def is_assembled(s: Settings) -> bool:
    try:
        return (s.lib / MARKER_NAME).read_text().strip() == s.version
    except OSError:
        return False


def _install(s: Settings, force: bool = False) -> bool:
    """Assemble <home>/lib and write the conf. Returns True if mvn ran."""
    ran = False
    if force or not is_assembled(s):
        mvn = shutil.which("mvn")
        if not mvn:
            raise Neo4jLocalError("Maven (mvn) not found on PATH; it is needed to assemble Neo4j")
        _java()
        s.home.mkdir(parents=True, exist_ok=True)
        s.logs.mkdir(parents=True, exist_ok=True)
        staging = s.home / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        # mvn runs on a copy in the home: the installed package may be read-only and
        # Maven writes target/ next to the pom.
        pom = s.home / "maven" / "pom.xml"
        pom.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(POM, pom)
        except OSError as exc:
            raise Neo4jLocalError(f"cannot copy {POM} to {pom}: {exc}") from exc
        cmd = [mvn, "-B", "-ntp", "-f", str(pom)]
        if s.offline:
            cmd.append("-o")
        cmd += [
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-Dneo4j.version={s.version}",
            f"-DoutputDirectory={staging}",
        ]
        mvn_log = s.logs / "mvn-install.log"
        _log(f"assembling Neo4j {s.version} into {s.lib} (mvn log: {mvn_log})")
        t0 = time.monotonic()
        env = dict(os.environ)
        env.pop("MAVEN_ARGS", None)
        with open(mvn_log, "w") as fh:
            fh.write("$ " + shlex.join(cmd) + "\n")
            fh.flush()
            try:
                rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=s.home, env=env).returncode
            except OSError as exc:
                raise Neo4jLocalError(f"cannot run mvn: {exc}") from exc
        if rc != 0:
            raise Neo4jLocalError(f"mvn failed (exit {rc}); tail of {mvn_log}:\n{_tail(mvn_log, 30)}")
        jars = list(staging.glob("*.jar"))
        if not any(p.name == f"neo4j-{s.version}.jar" for p in jars):
            raise Neo4jLocalError(f"mvn succeeded but {staging} has no neo4j-{s.version}.jar")
        (staging / MARKER_NAME).write_text(s.version + "\n")
        old = s.home / "lib.old"
        shutil.rmtree(old, ignore_errors=True)
        if s.lib.exists():
            s.lib.rename(old)
        staging.rename(s.lib)
        shutil.rmtree(old, ignore_errors=True)
        _log(f"assembled {len(jars)} jars in {time.monotonic() - t0:.1f} s")
        ran = True
    write_conf(s)
    return ran


def install(force: bool = False) -> Path:
    s = Settings()
    with _lock(s):
        _install(s, force=force)
    return s.home


# -------------------------------------------------------------------- processes


def _read_pid(s: Settings) -> int | None:
    try:
        return int(s.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


_children: dict[int, subprocess.Popen] = {}


def _alive(pid: int) -> bool:
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie still answers kill(0)
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_server(s: Settings, pid: int) -> bool:
    """The PID is alive and is a Neo4j server of this home (guards against PID reuse)."""
    if not _alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the pid file
    argv = [a.decode("utf-8", "replace") for a in args]
    return any("EntryPoint" in a for a in argv) and any(a == f"--home-dir={s.home}" for a in argv)


def _running_pid(s: Settings) -> int | None:
    """PID of a live server of this home: ours, or one recorded in the server's own run/neo4j.pid."""
    pid = _read_pid(s)
    if pid is not None and _is_our_server(s, pid):
        return pid
    try:
        own = int((s.run / "neo4j.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    if _is_our_server(s, own):
        return own
    return None


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


# ------------------------------------------------------------------------- bolt


def _driver_module():
    """The ``neo4j`` driver, or None when this python lacks it (or something shadows it)."""
    try:
        import neo4j
        from neo4j import exceptions  # noqa: F401  (a shadowing folder has no exceptions)
    except ImportError:
        return None
    return neo4j if hasattr(neo4j, "GraphDatabase") else None


def _auth_refused(s: Settings, message: str) -> Neo4jLocalError:
    return Neo4jLocalError(
        f"Neo4j at {s.uri} refused user {s.user!r}: {message.rstrip('.')}. The initial password is "
        f"only set before the first start of {s.data}; use that password or delete the data dir.")


def _answering_stdlib(s: Settings) -> tuple[bool, str]:
    try:
        bolt.probe("127.0.0.1", s.port, s.user, s.password)
    except bolt.BoltAuthError as exc:
        raise _auth_refused(s, exc.message) from exc
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def _answering(s: Settings, driver=None) -> tuple[bool, str]:
    """(True, '') if Bolt answers RETURN 1; raises on auth failure."""
    neo4j = _driver_module()
    if neo4j is None:
        return _answering_stdlib(s)
    from neo4j import exceptions as nex

    own = driver is None
    try:
        if own:
            driver = neo4j.GraphDatabase.driver(
                s.uri, auth=(s.user, s.password), connection_timeout=3.0,
                connection_acquisition_timeout=5.0, max_connection_pool_size=2)
        driver.verify_connectivity()
        records, _, _ = driver.execute_query("RETURN 1 AS ok", database_="neo4j")
        if records and records[0]["ok"] == 1:
            return True, ""
        return False, "RETURN 1 returned no row"
    except nex.AuthError as exc:
        raise _auth_refused(s, exc.message) from exc
    except (nex.ServiceUnavailable, nex.SessionExpired, nex.TransientError,
            nex.DatabaseUnavailable, nex.DriverError, OSError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    except nex.Neo4jError as exc:
        return False, f"{type(exc).__name__} {exc.code}: {exc.message}"
    finally:
        if own and driver is not None:
            driver.close()


def _wait(s: Settings, timeout: float, pid: int | None, since: dict[str, int] | None = None) -> float:
    neo4j = _driver_module()
    t0 = time.monotonic()
    deadline = t0 + timeout
    last = "not tried"
    driver = None if neo4j is None else neo4j.GraphDatabase.driver(
        s.uri, auth=(s.user, s.password), connection_timeout=3.0,
        connection_acquisition_timeout=5.0, max_connection_pool_size=2)
    try:
        while True:
            if pid is not None and not _alive(pid):
                raise Neo4jLocalError(f"the Neo4j server (pid {pid}) died during startup\n{_log_tails(s, since)}")
            ok, last = _answering(s, driver) if driver is not None else _answering_stdlib(s)
            if ok:
                return time.monotonic() - t0
            if time.monotonic() >= deadline:
                raise Neo4jLocalError(
                    f"Neo4j at {s.uri} did not answer within {timeout:.0f} s (last error: {last})\n{_log_tails(s, since)}")
            time.sleep(0.5)
    finally:
        if driver is not None:
            driver.close()


def wait(timeout: float = 180.0) -> float:
    """Wait until the server answers RETURN 1; returns the seconds waited."""
    s = Settings()
    recorded = _read_pid(s)
    pid = _running_pid(s)
    if recorded is not None and pid is None:
        raise Neo4jLocalError(f"the server recorded in {s.pid_file} (pid {recorded}) is not running\n{_log_tails(s)}")
    return _wait(s, timeout, pid)


# ------------------------------------------------------------------ start/stop


def _set_initial_password(s: Settings, java: str, env: dict[str, str]) -> None:
    if (s.data / "databases" / "system").exists():
        return
    if len(s.password) < 8:
        raise Neo4jLocalError("NEO4J_PASSWORD must have at least 8 characters")
    cmd = _launcher(s, java, "org.neo4j.server.startup.Neo4jAdminCommand",
                    "dbms", "set-initial-password", s.password)
    out = subprocess.run(cmd, env=env, cwd=s.home, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise Neo4jLocalError(
            f"neo4j-admin dbms set-initial-password failed (exit {out.returncode}):\n"
            f"{out.stdout.strip()}\n{out.stderr.strip()}")
    _log(f"initial password set for user {s.user!r}")
    record = s.data / PASSWORD_NAME
    record.write_text(s.password + "\n", encoding="utf-8")
    record.chmod(0o600)


def server_command(s: Settings, java: str, env: dict[str, str]) -> list[str]:
    """Ask the launcher for the exact server command line (as the Docker image does)."""
    cmd = _launcher(s, java, "org.neo4j.server.startup.Neo4jCommand", "console", "--dry-run")
    out = subprocess.run(cmd, env=env, cwd=s.home, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise Neo4jLocalError(
            f"Neo4jCommand console --dry-run failed (exit {out.returncode}):\n"
            f"{out.stdout.strip()}\n{out.stderr.strip()}")
    for line in reversed(out.stdout.splitlines()):
        if ENTRY_POINT in line or "EntryPoint" in line:
            argv = shlex.split(line)
            if ENTRY_POINT not in argv:
                raise Neo4jLocalError(f"unexpected server entry point in dry-run output: {line}")
            return argv
    raise Neo4jLocalError(f"no server command in the dry-run output:\n{out.stdout}\n{out.stderr}")


def _result(s: Settings, pid: int, seconds: float | None, already: bool) -> dict:
    return {"uri": s.uri, "user": s.user, "password": s.password, "pid": pid,
            "home": str(s.home), "startup_seconds": seconds, "already_running": already}


def start(timeout: float = 180.0) -> dict:
    """Install if needed, start the server if it is not running, wait for Bolt.

    Returns dict(uri, user, password, pid, home, startup_seconds, already_running).
    Raises Neo4jLocalError on any failure.
    """
    s = Settings()
    with _lock(s):
        pid = _running_pid(s)
        if pid is not None:
            s.pid_file.write_text(f"{pid}\n")
            ok, why = _answering(s)
            if ok:
                _log(f"already running (pid {pid}) at {s.uri}")
                return _result(s, pid, None, True)
            _log(f"pid {pid} is running but not answering yet ({why}); waiting")
            return _result(s, pid, _wait(s, timeout, pid), True)
        s.pid_file.unlink(missing_ok=True)
        # The server writes run/neo4j.pid itself and removes it on a clean stop; a stale
        # one (after SIGKILL) whose PID got reused makes the launcher refuse to start.
        (s.run / "neo4j.pid").unlink(missing_ok=True)
        _install(s)
        java = _java()
        if _port_open(s.port):
            raise Neo4jLocalError(
                f"port {s.port} on 127.0.0.1 is already in use by another process "
                f"(not a server of {s.home}); stop it or set NEO4J_LOCAL_PORT")
        env = _java_env(s)
        _set_initial_password(s, java, env)
        argv = server_command(s, java, env)
        stdout_log = s.logs / "stdout.log"
        since = _log_sizes(s)
        with open(stdout_log, "ab") as out:
            try:
                proc = subprocess.Popen(argv, env=env, cwd=s.home, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            except OSError as exc:
                raise Neo4jLocalError(f"cannot launch the server: {exc}") from exc
        _children[proc.pid] = proc
        s.pid_file.write_text(f"{proc.pid}\n")
        _log(f"launched pid {proc.pid} (logs in {s.logs})")
        try:
            seconds = _wait(s, timeout, proc.pid, since)
        except BaseException:
            _stop_pid(s, proc.pid, 30.0)
            raise
        return _result(s, proc.pid, seconds, False)


def _signal(pid: int, sig: int) -> None:
    """Send ``sig`` to the server: its whole process group when it leads one (as
    start() makes it), else the process alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _stop_pid(s: Settings, pid: int, timeout: float) -> bool:
    """SIGTERM the server's process group, SIGKILL after timeout. True if it was running."""
    if not _is_our_server(s, pid):
        s.pid_file.unlink(missing_ok=True)
        return False
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        _log(f"pid {pid} did not stop within {timeout:.0f} s; sending SIGKILL")
        _signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    proc = _children.pop(pid, None)
    if proc is not None:
        with contextlib.suppress(Exception):
            proc.wait(timeout=1)
    if _alive(pid):
        raise Neo4jLocalError(f"pid {pid} is still alive after SIGKILL")
    s.pid_file.unlink(missing_ok=True)
    return True


def stop(timeout: float = 60.0, *, wait: bool = True) -> bool:
    """Stop the server of this home. Returns True if one was running.

    With ``wait=False`` the server is only asked to stop (SIGTERM) and this returns
    at once; a later :func:`stop` (or ``bulk_import``) waits for it to be gone."""
    s = Settings()
    with _lock(s):
        pid = _running_pid(s)
        if pid is None:
            s.pid_file.unlink(missing_ok=True)
            return False
        if not wait:
            _signal(pid, signal.SIGTERM)
            return True
        return _stop_pid(s, pid, timeout)


def status() -> dict:
    s = Settings()
    pid = _running_pid(s)
    info = {"home": str(s.home), "version": s.version, "assembled": is_assembled(s),
            "uri": s.uri, "pid": pid, "running": pid is not None, "answering": False}
    if pid is not None:
        info["answering"], info["last_error"] = _answering(s)
        info["rss_kib"] = rss_kib(pid)
    return info


# -------------------------------------------------------------------------- CLI


def _print_env(info: dict) -> None:
    for key, val in (("NEO4J_URI", info["uri"]), ("NEO4J_USER", info["user"]),
                     ("NEO4J_PASSWORD", info["password"])):
        print(f"export {key}={shlex.quote(str(val))}")


def main(argv: list[str] | None = None, prog: str = "neo4j-local") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("install", help="assemble <home>/lib with mvn and write conf/")
    p.add_argument("--force", action="store_true", help="re-run mvn even if already assembled")
    p = sub.add_parser("start", help="install if needed, start, wait for Bolt")
    p.add_argument("--timeout", type=float, default=180.0)
    p.add_argument("--print-env", action="store_true", help="print export NEO4J_URI=... lines on stdout")
    p = sub.add_parser("wait", help="wait until Bolt answers RETURN 1")
    p.add_argument("--timeout", type=float, default=180.0)
    p = sub.add_parser("stop", help="SIGTERM the server's process group (SIGKILL after --timeout)")
    p.add_argument("--timeout", type=float, default=60.0)
    sub.add_parser("status", help="show whether the server runs and answers")
    args = parser.parse_args(argv)

    try:
        if args.cmd == "install":
            print(install(force=args.force))
        elif args.cmd == "start":
            info = start(timeout=args.timeout)
            secs = info["startup_seconds"]
            how = "already running" if info["already_running"] and secs is None else (
                f"{'waited' if info['already_running'] else 'started in'} {secs:.1f} s")
            line = f"neo4j ready at {info['uri']} (pid {info['pid']}, {how})"
            print(line, file=sys.stderr if args.print_env else sys.stdout, flush=True)
            if args.print_env:
                _print_env(info)
        elif args.cmd == "wait":
            print(f"neo4j answering after {wait(timeout=args.timeout):.1f} s")
        elif args.cmd == "stop":
            print("stopped" if stop(timeout=args.timeout) else "not running")
        elif args.cmd == "status":
            info = status()
            if info["running"]:
                state = "answering" if info["answering"] else f"not answering ({info.get('last_error')})"
                print(f"running pid {info['pid']} at {info['uri']}, {state}, "
                      f"rss {info.get('rss_kib')} KiB, home {info['home']}")
                return 0 if info["answering"] else 1
            print(f"not running (home {info['home']}, assembled={info['assembled']})")
            return 3
    except Neo4jLocalError as exc:
        _log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0

