"""A served citegraph API for the bench scripts (``load_api.py``, ``soak.py``).

``Server`` starts ``citegraph serve`` on a free loopback port in its own process
group, drains its stderr in a thread (a chatty server can never block on a full
pipe; the last 64 KB are kept for the report), waits for ``/health`` and stops
the whole group. Also the small helpers both scripts share.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

#: Bytes of server stderr kept for the report.
LOG_TAIL = 64 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``nan`` for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_kib(pid: int) -> int | None:
    """Resident set size of a process from /proc, in KiB (None if gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def server_env(store: str, db: str | None) -> dict[str, str]:
    env = dict(os.environ, CITEGRAPH_STORE=store, PYTHONPATH=str(ROOT))
    if db:
        env["CITEGRAPH_DB"] = str(Path(db).resolve())
    return env


class Server:
    """``citegraph serve`` on ``127.0.0.1:port`` with ``workers`` workers."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(workers), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._tail: deque[bytes] = deque()
        self._size = 0
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read1(8192), b""):
            self._tail.append(chunk)
            self._size += len(chunk)
            while self._size > LOG_TAIL and len(self._tail) > 1:
                self._size -= len(self._tail.popleft())

    def log(self) -> str:
        """The last :data:`LOG_TAIL` bytes the server wrote to stderr."""
        return b"".join(self._tail).decode("utf-8", "replace")

    def wait_ready(self, timeout: float) -> dict:
        """The ``/health`` body once it answers 200; exit the bench if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._drain.join(timeout=5)
                raise SystemExit(f"the server exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                r = httpx.get(self.base + "/health", timeout=5)
                if r.status_code == 200:
                    return r.json()
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the server did not answer /health within {timeout:.0f} s")

    def stop(self) -> str:
        """SIGTERM the process group (SIGKILL after 30 s); returns the log tail."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._drain.join(timeout=5)
        return self.log()
