"""One function call in a child process, its result pickled back.

What the build and ``citegraph run`` use to keep both cores busy where the
work is CPU-bound Python (threads would share one core through the GIL): the
child inherits its arguments by ``fork`` (nothing is copied up front), or gets
them pickled when started by ``spawn`` (a fresh interpreter that holds nothing
of the parent's heap: ``citegraph run``'s analysis, issue 26), computes, writes
its result or its exception to an unnamed temporary file the parent opened,
and exits at once. Through a pipe, it stayed alive until the parent read the
result (after the parent's own work), holding the copy-on-write pages it had
touched of the parent's heap: ~1 GB at synth-100k (docs/benchmarks.md).

A child never outlives its parent: on Linux the kernel kills it when the thread
that forked it dies (``PR_SET_PDEATHSIG``, set only when that thread is the main
thread, which lives as long as the process), and everywhere a watch thread in
the child exits as soon as the parent is gone. The result file is unlinked from
the start, so nothing is left behind whoever dies first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from multiprocessing import reduction
from typing import Any, Callable

from graph.errors import CitegraphError, param_error

__all__ = ["can_fork", "use_fork", "FORK_MIN_PAPERS", "START_METHODS", "ForkedCall"]

#: Seconds between two looks of the child's watch thread at its parent.
PARENT_WATCH_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1
#: How :class:`ForkedCall` may start its child.
START_METHODS = ("fork", "spawn")


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
    """``fn(*args)`` in a child process; :meth:`result` waits for its value.

    ``start`` is ``"fork"`` (the default: the child inherits ``args`` without a
    copy, and the parent's whole heap with them) or ``"spawn"`` (a fresh
    interpreter: ``fn`` must be a module-level function and ``args`` pickle;
    the child holds only them). The child touches no progress bar, and no
    store of the parent's: ``fn`` is pure, or opens a store of its own
    (``citegraph run``'s paper writer, through
    :meth:`graph.stores.base.GraphStore.reopened`). It writes its result to a
    temporary file and exits without waiting for the parent to read it. Its
    exception is raised again by :meth:`result` (as a :class:`CitegraphError`
    holding its text if it does not pickle); a child that dies (killed, out of
    memory) makes :meth:`result` raise a :class:`CitegraphError` that names
    ``what`` and says ``lost``. Call :meth:`stop` when giving up on the result.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, *, what: str, lost: str,
                 start: str = "fork") -> None:
        import gc

        if start not in START_METHODS:
            raise param_error("start", "ForkedCall", f"one of {list(START_METHODS)}", start)
        self._what, self._lost = what, lost
        ctx = multiprocessing.get_context(start)
        # Unlinked at once (O_TMPFILE where the kernel has it): no name to clean up.
        self._file = tempfile.TemporaryFile(prefix="citegraph-result-")
        for stream in (sys.stdout, sys.stderr):  # else the child would repeat buffered output
            stream.flush()
        gc.freeze()  # the collector must not write to (and so copy) every inherited object
        try:
            parent = (os.getpid(), threading.current_thread() is threading.main_thread())
            logs = _logging_of_this_process() if start == "spawn" else None
            self._proc = ctx.Process(target=_child, args=(_ResultFile(self._file.fileno()), parent, fn, args, what,
                                                          logs),
                                     name=f"citegraph-{what.replace(' ', '-')}", daemon=True)
            self._proc.start()
        except BaseException:
            self._file.close()
            raise
        finally:
            gc.unfreeze()

    def result(self) -> Any:
        try:
            self._proc.join()
            self._file.seek(0)
            try:
                status, payload = pickle.load(self._file) if self._proc.exitcode == 0 else (None, None)
            except (EOFError, pickle.UnpicklingError):
                status = payload = None
        finally:
            self._file.close()
        if status is None:
            raise CitegraphError(
                f"The {self._what} process died (exit code {self._proc.exitcode}"
                + (": killed, probably out of memory" if self._proc.exitcode == -9 else "")
                + f"); {self._lost}."
            )
        if status == "error":
            raise payload
        return payload

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._file.close()


class _ResultFile:
    """The result file's descriptor as an argument of the child: inherited as is
    by a forked child, passed along with the arguments to a spawned one (as
    multiprocessing passes a pipe's)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self):
        return _ResultFile._rebuild, (reduction.DupFd(self.fd),)

    @staticmethod
    def _rebuild(dup) -> "_ResultFile":
        return _ResultFile(dup.detach())


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


def _logging_of_this_process() -> tuple[int, str | None]:
    """The root logger's level and first handler's format: a spawned child
    (which inherits no logging setup) logs like its parent (``citegraph -v``)."""
    root = logging.getLogger()
    handler = next(iter(root.handlers), None)
    fmt = getattr(getattr(handler, "formatter", None), "_fmt", None)
    return root.getEffectiveLevel(), fmt


def _child(out: _ResultFile, parent: tuple[int, bool], fn: Callable[..., Any], args: tuple, what: str,
           logs: tuple[int, str | None] | None = None) -> None:
    _die_with_parent(*parent)
    if logs is not None and not logging.getLogger().handlers:
        logging.basicConfig(level=logs[0], format=logs[1])
    # The child is started as a daemon (it dies with its parent), and
    # multiprocessing refuses children to a daemon: let ``fn`` fork in turn
    # (the forked analysis forks its betweenness). Its own children are still
    # waited for or stopped by the ForkedCall that made them.
    multiprocessing.current_process().daemon = False
    try:
        message = ("ok", fn(*args))
    except Exception as exc:  # written out and raised in the parent
        message = ("error", exc)
    with os.fdopen(out.fd, "wb") as fh:
        try:
            pickle.dump(message, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # a result or an exception that does not pickle: say so
            text = f"{what} failed: {message[1]!r}" if message[0] == "error" else f"{what}: its result does not pickle: {exc}"
            fh.seek(0)
            fh.truncate()
            pickle.dump(("error", CitegraphError(text)), fh, protocol=pickle.HIGHEST_PROTOCOL)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # At once: no interpreter teardown (it would walk, and so copy, the
    # inherited heap of a forked child) and no wait for the parent.
    os._exit(0)
