"""Stores: one interface (:mod:`graph.stores.base`), two implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.config import Settings
    from graph.stores.base import GraphStore


def create_store(settings: "Settings") -> "GraphStore":
    """The store the settings name (not opened yet)."""
    if settings.citegraph_store == "neo4j":
        from graph.stores.neo4j import Neo4jStore

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        return Neo4jStore(
            uri=settings.neo4j_uri,
            user=settings.neo4j_user,
            password=password,
            database=settings.neo4j_database,
            max_retry_time=settings.neo4j_max_retry_time,
            connection_timeout=settings.neo4j_connection_timeout,
            write_workers=settings.neo4j_write_workers,
        )
    from graph.stores.sqlite import SQLiteStore

    return SQLiteStore(settings.citegraph_db)
