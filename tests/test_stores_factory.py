"""graph.stores.create_store: the settings' store, with the caps the API passes in."""

from __future__ import annotations

from graph.config import Settings
from graph.stores import create_store
from graph.stores.neo4j import Neo4jStore
from graph.stores.sqlite import SQLiteStore


def _neo4j_settings(**kw) -> Settings:
    return Settings(citegraph_store="neo4j", neo4j_password="not-used", neo4j_max_retry_time=5.0,
                    neo4j_connection_timeout=5.0, **kw)


def test_caps_lower_the_settings_values_without_touching_the_store_afterwards():
    store = create_store(_neo4j_settings(), max_retry_time=1.0, connection_timeout=2.0)
    assert isinstance(store, Neo4jStore)
    assert (store.max_retry_time, store.connection_timeout) == (1.0, 2.0)


def test_a_cap_above_the_setting_keeps_the_setting():
    store = create_store(_neo4j_settings(), max_retry_time=60.0)
    assert (store.max_retry_time, store.connection_timeout) == (5.0, 5.0)


def test_data_key_names_the_file_or_the_server(tmp_path):
    assert SQLiteStore(tmp_path / "a.db").data_key() == SQLiteStore(str(tmp_path / "a.db")).data_key()
    assert SQLiteStore(tmp_path / "a.db").data_key() != SQLiteStore(tmp_path / "b.db").data_key()
    neo = create_store(_neo4j_settings(neo4j_uri="bolt://db.example:7687", neo4j_database="papers"))
    assert neo.data_key() == "neo4j:bolt://db.example:7687/papers"
