"""Forked children die with their parent (issue 19, finding 8): SIGKILL of
``citegraph run`` left its child alive forever, blocked writing to a pipe whose
read end it held itself. A child writes its result to a file and exits without
waiting for the parent to read it (issue 26 item 1: through a pipe, it lingered
holding its copy-on-write pages of the parent's heap)."""

from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from graph.errors import CitegraphError
from graph.forked import ForkedCall, can_fork

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork")

PARENT = textwrap.dedent("""
    import sys, threading, time
    from graph.forked import ForkedCall

    def big(n):  # a result larger than any pipe buffer, never read by the parent
        return b"x" * n

    kept = []  # the parent keeps its ForkedCall (and so the pipe's read end) open

    def start():
        if sys.argv[1] == "sleep":
            child = ForkedCall(time.sleep, (600,), what="sleeper", lost="nothing")
        else:
            child = ForkedCall(big, (50_000_000,), what="writer", lost="nothing")
        kept.append(child)
        print(child._proc.pid, flush=True)

    if sys.argv[2] == "thread":  # forked from a thread that then ends
        t = threading.Thread(target=start); t.start(); t.join()
    else:
        start()
    time.sleep(600)
""")


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return "\nState:\tZ" not in status and "\nState:\tX" not in status


@pytest.mark.parametrize("work", ["sleep"])
@pytest.mark.parametrize("where", ["main", "thread"])
def test_child_exits_when_its_parent_is_sigkilled(work, where):
    parent = subprocess.Popen([sys.executable, "-c", PARENT, work, where], cwd=ROOT, stdout=subprocess.PIPE,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    child = None
    try:
        child = int(parent.stdout.readline())
        time.sleep(1.0)
        assert _alive(child)
        if where == "thread":  # the forking thread ended: the child must still be running
            assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), f"child {child} outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and _alive(child):  # a failed run leaves no orphan behind
            os.kill(child, signal.SIGKILL)


def _wait_gone(pid: int, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_child_exits_before_the_parent_reads_its_result(start):
    """A result larger than any pipe buffer: the child used to block on the pipe
    until the parent read; now it is gone first and the result is still there."""
    child = ForkedCall(operator.mul, (b"x", 50_000_000), what="writer", lost="nothing", start=start)
    assert _wait_gone(child._proc.pid), "the child waited for its parent to read"
    assert child.result() == b"x" * 50_000_000


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_child_exception_is_raised_in_the_parent(start):
    child = ForkedCall(int, ("not a number",), what="parser", lost="nothing", start=start)
    with pytest.raises(ValueError, match="not a number"):
        child.result()


def test_killed_child_says_what_was_lost():
    child = ForkedCall(time.sleep, (600,), what="sleeper", lost="nothing was written")
    os.kill(child._proc.pid, signal.SIGKILL)
    with pytest.raises(CitegraphError, match=r"sleeper process died \(exit code -9: killed.*nothing was written"):
        child.result()


def test_unknown_start_method_is_refused():
    with pytest.raises(ValueError, match="'start' parameter of ForkedCall"):
        ForkedCall(int, ("1",), what="x", lost="nothing", start="forkserver")
