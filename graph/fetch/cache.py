"""An on-disk cache of HTTP answers: one file per request, written atomically.

The key is a SHA-256 of the method, the URL without credentials and the body,
so the same request from a rerun (or a resumed run) is answered from disk. Files
are spread over 256 folders; each is written to a temporary name then renamed,
so a kill never leaves a half-written answer that a later run would trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["DiskCache"]


class DiskCache:
    """Answers under ``root``: ``root/ab/abcdef....json`` (plus ``.url`` naming the request)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @staticmethod
    def key(method: str, url: str, body: bytes | None) -> str:
        """The cache key of one request.

        >>> DiskCache.key("GET", "https://x.org/a", None) == DiskCache.key("GET", "https://x.org/a", None)
        True
        >>> DiskCache.key("GET", "https://x.org/a", None) == DiskCache.key("POST", "https://x.org/a", b"{}")
        False
        """
        digest = hashlib.sha256()
        digest.update(method.upper().encode("ascii"))
        digest.update(b"\n")
        digest.update(url.encode("utf-8"))
        digest.update(b"\n")
        digest.update(body or b"")
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, body: bytes, *, label: str = "") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, body)
        if label:  # what the entry answers, for a person looking in the folder
            _atomic_write(path.with_suffix(".url"), label.encode("utf-8") + b"\n")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

