"""A stdlib-only Bolt probe: is the server up, does it accept our password, does RETURN 1 run?

The local Neo4j manager must work with any ``python3``, also one without the ``neo4j``
driver (issue 21: the system python of a fresh machine). This speaks just enough of
Bolt 5.0 / 4.4 (handshake, HELLO with basic auth, RUN, PULL, GOODBYE) to answer that
one question; everything else goes through the real driver.
"""

from __future__ import annotations

import socket
import struct

__all__ = ["BoltAuthError", "BoltError", "probe"]

_MAGIC = b"\x60\x60\xb0\x17"
# Proposals, newest first: 5.0 (auth in HELLO, as 4.4; LOGON came with 5.1) and 4.4.
_VERSIONS = b"\x00\x00\x00\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8

_HELLO, _GOODBYE, _RUN, _PULL = 0x01, 0x02, 0x10, 0x3F
_SUCCESS, _RECORD, _IGNORED, _FAILURE = 0x70, 0x71, 0x7E, 0x7F


class BoltError(OSError):
    """The server did not answer as a Bolt server should."""


class BoltAuthError(BoltError):
    """The server refused the user name or password."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ------------------------------------------------------------------ PackStream


def _pack(value) -> bytes:
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if -16 <= value < 128:
            return struct.pack(">b", value)
        if -(1 << 31) <= value < (1 << 31):
            return b"\xca" + struct.pack(">i", value)
        return b"\xcb" + struct.pack(">q", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _sized(len(data), 0x80, b"\xd0", b"\xd1", b"\xd2") + data
    if isinstance(value, list):
        return _sized(len(value), 0x90, b"\xd4", b"\xd5", b"\xd6") + b"".join(_pack(v) for v in value)
    if isinstance(value, dict):
        body = b"".join(_pack(str(k)) + _pack(v) for k, v in value.items())
        return _sized(len(value), 0xA0, b"\xd8", b"\xd9", b"\xda") + body
    raise TypeError(f"cannot pack {type(value).__name__}")


def _sized(n: int, tiny: int, m8: bytes, m16: bytes, m32: bytes) -> bytes:
    if n < 16:
        return bytes([tiny + n])
    if n < 256:
        return m8 + struct.pack(">B", n)
    if n < 65536:
        return m16 + struct.pack(">H", n)
    return m32 + struct.pack(">I", n)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        if len(chunk) != n:
            raise BoltError("truncated Bolt message")
        self.pos += n
        return chunk

    def unpack(self):
        m = self.take(1)[0]
        if m < 0x80:
            return m
        if m >= 0xF0:
            return m - 0x100
        hi = m & 0xF0
        if hi == 0x80:
            return self.take(m & 0x0F).decode("utf-8", "replace")
        if hi == 0x90:
            return [self.unpack() for _ in range(m & 0x0F)]
        if hi == 0xA0:
            return self._map(m & 0x0F)
        if hi == 0xB0:
            return (self.take(1)[0], [self.unpack() for _ in range(m & 0x0F)])
        fixed = {0xC0: None, 0xC2: False, 0xC3: True}
        if m in fixed:
            return fixed[m]
        if m == 0xC1:
            return struct.unpack(">d", self.take(8))[0]
        ints = {0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
        if m in ints:
            fmt = ints[m]
            return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        sizes = {0: ">B", 1: ">H", 2: ">I"}
        for base, kind in ((0xCC, "bytes"), (0xD0, "str"), (0xD4, "list"), (0xD8, "map")):
            if base <= m <= base + 2:
                fmt = sizes[m - base]
                n = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
                if kind == "bytes":
                    return self.take(n)
                if kind == "str":
                    return self.take(n).decode("utf-8", "replace")
                if kind == "list":
                    return [self.unpack() for _ in range(n)]
                return self._map(n)
        raise BoltError(f"unknown PackStream marker 0x{m:02X}")

    def _map(self, n: int) -> dict:
        out = {}
        for _ in range(n):
            key = self.unpack()
            out[key] = self.unpack()
        return out


# ------------------------------------------------------------------------ wire


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise BoltError("the server closed the connection")
        buf += part
    return buf


def _send(sock: socket.socket, signature: int, *fields) -> None:
    body = bytes([0xB0 + len(fields), signature]) + b"".join(_pack(f) for f in fields)
    sock.sendall(struct.pack(">H", len(body)) + body + b"\x00\x00")


def _receive(sock: socket.socket) -> tuple[int, list]:
    while True:
        body = b""
        while True:
            size = struct.unpack(">H", _recv_exact(sock, 2))[0]
            if size == 0:
                break
            body += _recv_exact(sock, size)
        if body:  # an empty message is a NOOP keep-alive
            break
    value = _Reader(body).unpack()
    if not isinstance(value, tuple):
        raise BoltError("the server sent a message that is not a structure")
    return value


def _expect_success(sock: socket.socket, what: str) -> list:
    records = []
    while True:
        signature, fields = _receive(sock)
        if signature == _RECORD:
            records.append(fields[0] if fields else [])
            continue
        if signature == _SUCCESS:
            return records
        meta = fields[0] if fields and isinstance(fields[0], dict) else {}
        code, message = meta.get("code", "?"), meta.get("message", "")
        if signature == _FAILURE and "Security" in str(code):
            raise BoltAuthError(f"{code}: {message}")
        raise BoltError(f"{what} failed: {code}: {message}" if signature == _FAILURE else f"{what} was ignored")


def probe(host: str, port: int, user: str, password: str, *, database: str = "neo4j",
          timeout: float = 3.0) -> None:
    """Log in and run ``RETURN 1``; return None when it worked.

    Raises
    ------
    BoltAuthError
        The server refused the credentials.
    BoltError, OSError
        Nothing listens, the server is still starting, or it does not speak Bolt.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(_MAGIC + _VERSIONS)
        agreed = _recv_exact(sock, 4)
        if agreed == b"\x00\x00\x00\x00":
            raise BoltError(f"the server at {host}:{port} speaks none of Bolt 5.0, 4.4")
        _send(sock, _HELLO, {"user_agent": "citegraph-neo4j-local/1", "scheme": "basic",
                             "principal": user, "credentials": password})
        _expect_success(sock, "HELLO")
        _send(sock, _RUN, "RETURN 1 AS ok", {}, {"db": database})
        _expect_success(sock, "RUN")
        _send(sock, _PULL, {"n": -1})
        records = _expect_success(sock, "PULL")
        if records != [[1]]:
            raise BoltError(f"RETURN 1 gave {records!r}")
        _send(sock, _GOODBYE)
