"""bench/analysis_quality.py walk: bad input is refused, never scored as 0."""

from __future__ import annotations

import pytest

from bench.analysis_quality import main
from graph.models import Paper
from graph.stores.sqlite import SQLiteStore


def test_walk_refuses_a_missing_store_and_creates_none(tmp_path):
    missing = tmp_path / "missing.db"
    with pytest.raises(SystemExit, match="missing.db: no such file"):
        main(["walk", "--db", str(missing)])
    assert not missing.exists()


def test_walk_refuses_an_empty_store_and_one_without_labels(tmp_path):
    db = tmp_path / "s.db"
    store = SQLiteStore(db)
    store.open()
    store.close()
    with pytest.raises(SystemExit, match="s.db: no papers"):
        main(["walk", "--db", str(db)])
    store.open()
    store.upsert_papers([Paper(id="a", title="Black holes"), Paper(id="b", title="Graph networks")])
    store.close()
    with pytest.raises(SystemExit, match="no paper has a label"):
        main(["walk", "--db", str(db)])
