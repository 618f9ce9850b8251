"""One function call in a forked child process, its result pickled back.

What the build and ``citegraph run`` use to keep both cores busy where the
work is CPU-bound Python (threads would share one core through the GIL): the
child inherits its arguments by ``fork`` (nothing is copied up front), computes,
and sends its result or its exception back through a pipe.

A child never outlives its parent: on Linux the kernel kills it when the thread
that forked it dies (``PR_SET_PDEATHSIG``, set only when that thread is the main
thread, which lives as long as the process), and everywhere a watch thread in
the child exits as soon as the parent is gone. The child also closes its copy of
the pipe's read end, so a write to a parent that is gone fails instead of blocking.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Any, Callable

from graph.errors import CitegraphError

__all__ = ["can_fork", "use_fork", "FORK_MIN_PAPERS", "ForkedCall"]

#: Seconds between two looks of the child's watch thread at its parent.
PARENT_WATCH_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """Whether this platform starts processes by ``fork`` (Linux, macOS)."""
    return "fork" in multiprocessing.get_all_start_methods()


#: Below this many papers a fork costs more than it saves (docs/benchmarks.md).
FORK_MIN_PAPERS = 2000


def use_fork(n_papers: int, choice: bool | None = None) -> bool:
    """The one fork policy of the build (SIMILAR_TO), the analysis (betweenness)
    and ``citegraph run`` (paper writes, analysis beside the writes).

    ``choice`` None decides: fork from :data:`FORK_MIN_PAPERS` papers on; True
    forks whatever the size; False never forks (a caller with other threads
    running, such as the API server). Never where ``fork`` does not exist.
    """
    if choice is None:
        return n_papers >= FORK_MIN_PAPERS and can_fork()
    return bool(choice) and can_fork()


class ForkedCall:
    """``fn(*args)`` in a forked child; :meth:`result` waits for its value.

    The child touches no progress bar, and no store of the parent's: ``fn``
    is pure, or opens a store of its own (``citegraph run``'s paper writer,
    through :meth:`graph.stores.base.GraphStore.reopened`). Its
    exception is raised again by :meth:`result` (as a :class:`CitegraphError`
    holding its text if it does not pickle); a child that dies (killed, out of
    memory) makes :meth:`result` raise a :class:`CitegraphError` that names
    ``what`` and says ``lost``. Call :meth:`stop` when giving up on the result.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, *, what: str, lost: str) -> None:
        import gc

        self._what, self._lost = what, lost
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # else the child would repeat buffered output
            stream.flush()
        gc.freeze()  # the collector must not write to (and so copy) every inherited object
        try:
            parent = (os.getpid(), threading.current_thread() is threading.main_thread())
            self._proc = ctx.Process(target=_child, args=(send, self._receive, parent, fn, args, what),
                                     name=f"citegraph-{what.replace(' ', '-')}", daemon=True)
            self._proc.start()
        finally:
            gc.unfreeze()
            send.close()

    def result(self) -> Any:
        try:
            status, payload = self._receive.recv()
        except EOFError:
            self._proc.join()
            raise CitegraphError(
                f"The {self._what} process died (exit code {self._proc.exitcode}"
                + (": killed, probably out of memory" if self._proc.exitcode == -9 else "")
                + f"); {self._lost}."
            ) from None
        finally:
            self._receive.close()
        self._proc.join()
        if status == "error":
            raise payload
        return payload

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._receive.close()


def _die_with_parent(parent_pid: int, main_thread: bool) -> None:
    """Exit when the parent is gone: by the kernel's signal (Linux, when the
    parent forked from its main thread) and by a watch thread (everywhere)."""
    if main_thread and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watch thread still does it

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_WATCH_SECONDS)
        os._exit(1)

    if os.getppid() != parent_pid:  # died before the signal was asked for
        os._exit(1)
    threading.Thread(target=watch, name="citegraph-parent-watch", daemon=True).start()


def _child(send, receive, parent: tuple[int, bool], fn: Callable[..., Any], args: tuple, what: str) -> None:
    receive.close()  # the parent's end: held here, a full pipe would block the child forever
    _die_with_parent(*parent)
    # The child is started as a daemon (it dies with its parent), and
    # multiprocessing refuses children to a daemon: let ``fn`` fork in turn
    # (the forked analysis forks its betweenness). Its own children are still
    # waited for or stopped by the ForkedCall that made them.
    multiprocessing.current_process().daemon = False
    try:
        message = ("ok", fn(*args))
    except Exception as exc:  # sent back and raised in the parent
        message = ("error", exc)
    try:
        send.send(message)
    except Exception as exc:  # a result or an exception that does not pickle: say so
        text = f"{what} failed: {message[1]!r}" if message[0] == "error" else f"{what}: its result does not pickle: {exc}"
        send.send(("error", CitegraphError(text)))
    finally:
        send.close()
