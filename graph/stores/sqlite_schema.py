"""Schema of the embedded SQLite store: tables, indexes, full-text index, version.

The tables mirror the Neo4j model: one table per node label (``papers``,
``keywords``, ``communities``) and one per relationship type (``has_keyword``,
``similar_to``, ``shares_keywords``, ``cites``, ``coupled``, ``co_cited``); ``IN_COMMUNITY`` is the
``papers.community`` column (the topic) and ``papers.subcommunity`` (the subtopic).
Lists and mappings are stored as JSON text.
The schema version is kept in ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA_VERSION", "PRAGMAS", "DDL", "DERIVED_INDEXES", "SCORE_INDEXES", "create_schema"]

#: Bump when the DDL changes in a way an existing file must be migrated for.
#: 2: new papers are added to ``papers_fts`` by ``upsert_papers`` itself, not by
#: an insert trigger (the migration drops the trigger).
#: 3: communities have a ``level`` and a ``parent`` and papers a ``subcommunity``
#: (the topic hierarchy, issue 20); the migration adds the columns.
#: 4: authors and venues (issue 24): tables ``authors``, ``wrote``, ``venues``,
#: ``published_in`` (empty until the next ingest fills them); COUPLED and CO_CITED
#: (issue 23): tables ``coupled`` and ``co_cited`` (empty until the next build). The
#: migration creates them all.
#: 5: Reference nodes (issue 23 item 1): tables ``external_references`` (the nodes)
#: and ``paper_references`` (REFERENCES edges), empty until the next build; the
#: migration creates them.
SCHEMA_VERSION = 5

#: Per-connection settings (``journal_mode=WAL`` also persists in the file).
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
)

#: Secondary indexes of the derived-edge tables, ``(name, CREATE statement)``.
#: ``replace_derived`` drops them and builds them again after its bulk insert,
#: in the same transaction: one sort instead of 300k random B-tree inserts.
DERIVED_INDEXES = (
    ("has_keyword_keyword",
     "CREATE INDEX IF NOT EXISTS has_keyword_keyword ON has_keyword(keyword, score DESC, paper_id)"),
    ("similar_to_target", "CREATE INDEX IF NOT EXISTS similar_to_target ON similar_to(target)"),
    ("shares_keywords_target", "CREATE INDEX IF NOT EXISTS shares_keywords_target ON shares_keywords(target)"),
    ("cites_target", "CREATE INDEX IF NOT EXISTS cites_target ON cites(target)"),
    ("coupled_target", "CREATE INDEX IF NOT EXISTS coupled_target ON coupled(target)"),
    ("co_cited_target", "CREATE INDEX IF NOT EXISTS co_cited_target ON co_cited(target)"),
    ("paper_references_target",
     "CREATE INDEX IF NOT EXISTS paper_references_target ON paper_references(ref_id, paper_id)"),
)

#: Indexes over the analysis score columns of ``papers``; ``write_analysis``
#: rebuilds them after rewriting every score (same transaction).
SCORE_INDEXES = (
    ("papers_community", "CREATE INDEX IF NOT EXISTS papers_community ON papers(community, pagerank DESC, id)"),
    ("papers_subcommunity",
     "CREATE INDEX IF NOT EXISTS papers_subcommunity ON papers(subcommunity, pagerank DESC, id)"),
    ("papers_degree", "CREATE INDEX IF NOT EXISTS papers_degree ON papers(degree DESC, id)"),
    ("papers_pagerank", "CREATE INDEX IF NOT EXISTS papers_pagerank ON papers(pagerank DESC, id)"),
    ("papers_betweenness", "CREATE INDEX IF NOT EXISTS papers_betweenness ON papers(betweenness DESC, id)"),
    ("papers_bridge", "CREATE INDEX IF NOT EXISTS papers_bridge ON papers(bridge DESC, id)"),
)
_IDX = dict(DERIVED_INDEXES + SCORE_INDEXES)

DDL = (
    # -- nodes -----------------------------------------------------------------
    """
    CREATE TABLE IF NOT EXISTS papers (
        id          TEXT PRIMARY KEY,
        title       TEXT NOT NULL DEFAULT '',
        abstract    TEXT NOT NULL DEFAULT '',
        authors     TEXT NOT NULL DEFAULT '[]',
        year        INTEGER,
        venue       TEXT,
        doi         TEXT,
        arxiv_id    TEXT,
        url         TEXT,
        label       TEXT,
        refs        TEXT NOT NULL DEFAULT '[]',
        extra       TEXT NOT NULL DEFAULT '{}',
        title_key   TEXT NOT NULL DEFAULT '',
        title_lc    TEXT NOT NULL DEFAULT '',
        community   INTEGER,
        degree      REAL,
        pagerank    REAL,
        betweenness REAL,
        bridge      REAL,
        x           REAL,
        y           REAL,
        subcommunity INTEGER
    )
    """,
    "CREATE INDEX IF NOT EXISTS papers_title_key ON papers(title_key)",
    _IDX["papers_community"],
    _IDX["papers_subcommunity"],
    _IDX["papers_degree"],
    _IDX["papers_pagerank"],
    _IDX["papers_betweenness"],
    _IDX["papers_bridge"],
    """
    CREATE TABLE IF NOT EXISTS keywords (
        name TEXT PRIMARY KEY,
        df   INTEGER NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS communities (
        id         INTEGER PRIMARY KEY,
        size       INTEGER NOT NULL,
        label      TEXT NOT NULL,
        keywords   TEXT NOT NULL DEFAULT '[]',
        modularity REAL NOT NULL,
        top_papers TEXT NOT NULL DEFAULT '[]',
        level      INTEGER NOT NULL DEFAULT 0,
        parent     INTEGER
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS runs (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL,
        started_at TEXT NOT NULL,
        seconds    REAL NOT NULL,
        params     TEXT NOT NULL,
        counts     TEXT NOT NULL,
        versions   TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at DESC, seq DESC)",
    # Graph-level facts (e.g. ``unresolved_references`` of the last build).
    """
    CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value ANY
    ) WITHOUT ROWID
    """,
    # -- relationships -----------------------------------------------------------
    """
    CREATE TABLE IF NOT EXISTS has_keyword (
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        keyword  TEXT NOT NULL REFERENCES keywords(name) ON DELETE CASCADE,
        score    REAL NOT NULL,
        PRIMARY KEY (paper_id, keyword)
    ) WITHOUT ROWID
    """,
    _IDX["has_keyword_keyword"],
    """
    CREATE TABLE IF NOT EXISTS similar_to (
        source TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        target TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        score  REAL NOT NULL,
        terms  TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (source, target)
    ) WITHOUT ROWID
    """,
    _IDX["similar_to_target"],
    """
    CREATE TABLE IF NOT EXISTS shares_keywords (
        source   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        target   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        count    INTEGER NOT NULL,
        jaccard  REAL NOT NULL,
        keywords TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (source, target)
    ) WITHOUT ROWID
    """,
    _IDX["shares_keywords_target"],
    """
    CREATE TABLE IF NOT EXISTS cites (
        source TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        target TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (source, target)
    ) WITHOUT ROWID
    """,
    _IDX["cites_target"],
    # -- authors and venues (schema 4): derived from the papers, replaced whole ----
    """
    CREATE TABLE IF NOT EXISTS authors (
        id    TEXT PRIMARY KEY,
        name  TEXT NOT NULL,
        orcid TEXT,
        key   TEXT NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS wrote (
        author_id TEXT NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
        paper_id  TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        PRIMARY KEY (author_id, paper_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX IF NOT EXISTS wrote_paper ON wrote(paper_id, author_id)",
    """
    CREATE TABLE IF NOT EXISTS venues (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        issn TEXT,
        key  TEXT NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS published_in (
        paper_id TEXT PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
        venue_id TEXT NOT NULL REFERENCES venues(id) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
    "CREATE INDEX IF NOT EXISTS published_in_venue ON published_in(venue_id)",
    # COUPLED (shared references) and CO_CITED (shared citers), schema 4.
    """
    CREATE TABLE IF NOT EXISTS coupled (
        source   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        target   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        count    INTEGER NOT NULL,
        strength REAL NOT NULL,
        shared   TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (source, target)
    ) WITHOUT ROWID
    """,
    _IDX["coupled_target"],
    """
    CREATE TABLE IF NOT EXISTS co_cited (
        source   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        target   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        count    INTEGER NOT NULL,
        strength REAL NOT NULL,
        citers   TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (source, target)
    ) WITHOUT ROWID
    """,
    _IDX["co_cited_target"],
    # Reference nodes (schema 5): references naming no paper of the graph, and the
    # REFERENCES edges to them; derived by build like CITES, replaced with it.
    """
    CREATE TABLE IF NOT EXISTS external_references (
        id    TEXT PRIMARY KEY,
        doi   TEXT,
        title TEXT,
        year  INTEGER
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE IF NOT EXISTS paper_references (
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        ref_id   TEXT NOT NULL REFERENCES external_references(id) ON DELETE CASCADE,
        PRIMARY KEY (paper_id, ref_id)
    ) WITHOUT ROWID
    """,
    _IDX["paper_references_target"],
    # -- full-text index over title + abstract (external content = papers) --------
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(
        title, abstract,
        content='papers', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    # No insert trigger: ``upsert_papers`` indexes a batch's new rows with one
    # INSERT ... SELECT (``INDEX_NEW_PAPERS``), half the time of a per-row trigger.
    "DROP TRIGGER IF EXISTS papers_fts_insert",
    """
    CREATE TRIGGER IF NOT EXISTS papers_fts_delete AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
        VALUES ('delete', old.rowid, old.title, old.abstract);
    END
    """,
    # Re-index only when the text really changed: idempotent re-upserts stay cheap.
    """
    CREATE TRIGGER IF NOT EXISTS papers_fts_update AFTER UPDATE OF title, abstract ON papers
    WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title, abstract)
        VALUES ('delete', old.rowid, old.title, old.abstract);
        INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.rowid, new.title, new.abstract);
    END
    """,
)


def create_schema(conn: sqlite3.Connection) -> int:
    """Create every table, index and trigger if missing, in one transaction.

    Parameters
    ----------
    conn : sqlite3.Connection
        An autocommit connection (``isolation_level=None``).

    Returns
    -------
    int
        The schema version found in the file before (0 for a new file).

    Raises
    ------
    ValueError
        When the file was written by a newer schema version.
    """
    # An up-to-date file needs no write: opening must not wait for a running writer.
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise ValueError(
                f"the database has schema version {found}, newer than this citegraph "
                f"understands ({SCHEMA_VERSION}); upgrade citegraph"
            )
        _add_columns(conn)
        for statement in DDL:
            conn.execute(statement)
        if found != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION:d}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


#: Columns added after version 2, ``(table, column, declaration)``: a file from
#: before gets them by ``ALTER TABLE`` (existing rows take the default).
_ADDED_COLUMNS = (
    ("papers", "subcommunity", "INTEGER"),
    ("communities", "level", "INTEGER NOT NULL DEFAULT 0"),
    ("communities", "parent", "INTEGER"),
)


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, column, declaration in _ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if have and column not in have:  # no table yet: the DDL creates it whole
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
