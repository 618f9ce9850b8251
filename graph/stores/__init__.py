"""Stores: one interface (:mod:`graph.stores.base`), two implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.config import Settings
    from graph.stores.base import GraphStore


def create_store(
    settings: "Settings", *, max_retry_time: float | None = None, connection_timeout: float | None = None
) -> "GraphStore":
    """The store the settings name (not opened yet).

    ``max_retry_time`` and ``connection_timeout`` cap the settings' values for a
    server store (the API waits less than the CLI on a server that is gone).
    """
    if settings.citegraph_store == "neo4j":
        from graph.stores.neo4j import Neo4jStore

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        return Neo4jStore(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=password,
            database=settings.neo4j_database,
            max_retry_time=_capped(settings.neo4j_max_retry_time, max_retry_time),
            connection_timeout=_capped(settings.neo4j_connection_timeout, connection_timeout),
            write_workers=settings.neo4j_write_workers,
        )
    from graph.stores.sqlite import SQLiteStore

    return SQLiteStore(settings.citegraph_db)


def _capped(value: float, cap: float | None) -> float:
    return value if cap is None else min(value, cap)
