"""The API's write lock: at most one writer (build, analyze, added papers) at a time,
across threads and worker processes (a thread lock plus an ``flock`` on a file
named after the store's :meth:`~graph.stores.base.GraphStore.data_key`)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

from api.errors import WriteBusy

__all__ = ["WriteLock", "WRITE_WAIT_SECONDS"]

#: How long a write waits for another write to finish before answering 409.
WRITE_WAIT_SECONDS = 60.0


class WriteLock:
    """A lock held by at most one writer across threads and worker processes.

    Parameters
    ----------
    key : str
        What identifies the store (file path or server URI and database); two
        processes with the same key share the lock file.
    """

    def __init__(self, key: str) -> None:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / "citegraph-locks"
        self.path = folder / f"{digest}.lock"
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, timeout: float = WRITE_WAIT_SECONDS) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=max(timeout, 0.0)):
            raise WriteBusy(f"Another write is in progress; it did not finish within {timeout:g} s. Retry later.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise WriteBusy("Another process is writing to this store; retry later.") from None
                        time.sleep(0.05)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._thread_lock.release()
