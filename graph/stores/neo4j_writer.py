"""The Neo4j store's thread-pool writer: batches of ``UNWIND $rows`` statements,
each one managed write transaction, on several sessions at once.

Used by :meth:`graph.stores.neo4j.Neo4jStore.replace_derived`; driver errors
are translated by the store around it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import neo4j

from graph.stores.base import check_int, chunks

__all__ = ["parallel_writes", "run_consume"]


def run_consume(tx: neo4j.ManagedTransaction, statement: str, params: Mapping[str, Any]) -> None:
    tx.run(statement, params).consume()


@contextmanager
def parallel_writes(
    open_session: Callable[[], neo4j.Session], workers: int
) -> Iterator[Callable[[str, list[Any], int], None]]:
    """``submit(statement, rows, batch_size)`` queues ``rows`` in batches, each
    one managed write transaction, for ``workers`` sessions from ``open_session`` (one per
    worker thread). Leaving the block waits for every batch. The first failure
    is raised at the next submit or on leaving; the batches not started yet
    are then dropped (the ones done stay written, as in a sequential write).
    """
    local = threading.local()
    sessions: list[neo4j.Session] = []
    failed: list[BaseException] = []

    def run(statement: str, batch: list[Any]) -> None:
        if failed:  # another batch failed: do not start this one
            return
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = open_session()
            sessions.append(session)
        session.execute_write(run_consume, statement, {"rows": batch})

    def note(future: Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            failed.append(future.exception())  # type: ignore[arg-type]

    def submit(statement: str, rows: list[Any], batch_size: int) -> None:
        check_int("batch_size", "write", batch_size, 1)
        if failed:
            raise failed[0]
        for batch in chunks(rows, batch_size):
            futures.append(pool.submit(run, statement, batch))
            futures[-1].add_done_callback(note)

    futures: list[Future[None]] = []
    pool = ThreadPoolExecutor(workers, thread_name_prefix="citegraph-neo4j-write")
    try:
        yield submit
        for future in futures:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for session in sessions:
            session.close()
