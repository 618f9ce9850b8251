"""Every SQL statement of the embedded store, as literal strings with ``?`` / ``:name``.

Column names that vary (sort keys, metrics, relations) are looked up in the
constant maps below from validated keys; user input only ever reaches SQLite
as a bound parameter.
"""

from __future__ import annotations

__all__: list[str] = []  # internal module of SQLiteStore

# -- papers ----------------------------------------------------------------------

PAPER_COLUMNS = "id, title, abstract, authors, year, venue, doi, arxiv_id, url, label, refs, extra"
SCORE_COLUMNS = "community, degree, pagerank, betweenness, bridge, x, y, subcommunity"

UPSERT_PAPER = """
INSERT INTO papers (id, title, abstract, authors, year, venue, doi, arxiv_id, url, label,
                    refs, extra, title_key, title_lc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    title = excluded.title, abstract = excluded.abstract, authors = excluded.authors,
    year = excluded.year, venue = excluded.venue, doi = excluded.doi,
    arxiv_id = excluded.arxiv_id, url = excluded.url, label = excluded.label,
    refs = excluded.refs, extra = excluded.extra, title_key = excluded.title_key,
    title_lc = excluded.title_lc
"""

MAX_PAPER_ROWID = "SELECT coalesce(max(rowid), 0) FROM papers"

#: The full-text rows of the papers inserted since ``MAX_PAPER_ROWID`` was read:
#: a new row gets a rowid above every existing one (SQLite's rule while the
#: largest rowid is below 2**63 - 1), an updated row keeps its rowid (and the
#: update trigger re-indexes it).
INDEX_NEW_PAPERS = """
INSERT INTO papers_fts(rowid, title, abstract)
SELECT rowid, title, abstract FROM papers WHERE rowid > ?
"""

GET_PAPERS = f"""
SELECT {PAPER_COLUMNS} FROM papers
WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id
"""

GET_STORED_PAPER = f"SELECT {PAPER_COLUMNS}, {SCORE_COLUMNS} FROM papers WHERE id = ?"

IDS_BY_TITLE_KEY = """
SELECT title_key, min(id) FROM papers
WHERE title_key IN (SELECT value FROM json_each(?)) AND title_key <> ''
GROUP BY title_key
"""

TITLE_KEY_IDS = """
SELECT title_key, id FROM papers
WHERE title_key IN (SELECT value FROM json_each(?)) AND title_key <> ''
ORDER BY title_key, id
"""

REFERENCE_ROWS = """
SELECT id, doi, arxiv_id,
       CASE WHEN json_type(extra, '$.source_id') IN ('text', 'integer', 'real')
            THEN json_extract(extra, '$.source_id') END
FROM papers ORDER BY id
"""

ITER_PAPERS_PAGE = f"SELECT {PAPER_COLUMNS} FROM papers WHERE id > ? ORDER BY id LIMIT ?"

PAPER_EXISTS = "SELECT 1 FROM papers WHERE id = ?"

EXISTING_IDS = "SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?))"

KEYWORDS_OF_PAPER = """
SELECT keyword FROM has_keyword WHERE paper_id = ? ORDER BY score DESC, keyword
"""

PAPER_COMMUNITIES = """
SELECT id, community FROM papers
WHERE id IN (SELECT value FROM json_each(?)) AND community IS NOT NULL
"""

KEYWORDS_OF_PAPERS = """
SELECT paper_id, keyword FROM has_keyword
WHERE paper_id IN (SELECT value FROM json_each(?))
ORDER BY paper_id, score DESC, keyword
"""

#: ``list_papers`` sort keys -> ORDER BY clause. Scores descending, ties by id;
#: missing values (NULL) always last.
SORTS = {
    "id": "id ASC",
    "title": "title ASC, id ASC",
    "year": "year ASC NULLS LAST, id ASC",
    "pagerank": "pagerank DESC NULLS LAST, id ASC",
    "degree": "degree DESC NULLS LAST, id ASC",
    "betweenness": "betweenness DESC NULLS LAST, id ASC",
    "bridge": "bridge DESC NULLS LAST, id ASC",
}

LIST_FILTERS = {
    "q": "instr(title_lc, :q) > 0",
    "community": "community = :community",
    "subcommunity": "subcommunity = :subcommunity",
}

#: ``rankings`` metric -> column.
METRICS = {"pagerank": "pagerank", "degree": "degree", "betweenness": "betweenness", "bridge": "bridge"}

# -- derived graph --------------------------------------------------------------------

DERIVED_TABLES = ("has_keyword", "similar_to", "shares_keywords", "cites", "coupled", "co_cited", "paper_references",
                  "external_references", "keywords")

UPSERT_KEYWORD = """
INSERT INTO keywords (name, df) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET df = excluded.df
"""

UPSERT_HAS_KEYWORD = """
INSERT INTO has_keyword (paper_id, keyword, score) VALUES (?, ?, ?)
ON CONFLICT (paper_id, keyword) DO UPDATE SET score = excluded.score
"""

UPSERT_SIMILAR = """
INSERT INTO similar_to (source, target, score, terms) VALUES (?, ?, ?, ?)
ON CONFLICT (source, target) DO UPDATE SET score = excluded.score, terms = excluded.terms
"""

UPSERT_SHARES = """
INSERT INTO shares_keywords (source, target, count, jaccard, keywords) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, target) DO UPDATE SET
    count = excluded.count, jaccard = excluded.jaccard, keywords = excluded.keywords
"""

UPSERT_CITES = "INSERT INTO cites (source, target) VALUES (?, ?) ON CONFLICT DO NOTHING"

UPSERT_COUPLED = """
INSERT INTO coupled (source, target, count, strength, shared) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, target) DO UPDATE SET
    count = excluded.count, strength = excluded.strength, shared = excluded.shared
"""
UPSERT_CO_CITED = """
INSERT INTO co_cited (source, target, count, strength, citers) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (source, target) DO UPDATE SET
    count = excluded.count, strength = excluded.strength, citers = excluded.citers
"""

# ``replace_biblio_near``: the edges with an end in ``?`` (a JSON array of paper ids).
_NEAR = "WHERE source IN (SELECT value FROM json_each(:ids)) OR target IN (SELECT value FROM json_each(:ids))"
DELETE_COUPLED_NEAR = f"DELETE FROM coupled {_NEAR}"
DELETE_CO_CITED_NEAR = f"DELETE FROM co_cited {_NEAR}"

# Reference nodes (schema 5): an added node keeps a stored one's values.
INSERT_REFERENCE = "INSERT INTO external_references (id, doi, title, year) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
INSERT_PAPER_REFERENCE = "INSERT INTO paper_references (paper_id, ref_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
LOAD_REFERENCES = "SELECT id, doi, title, year FROM external_references ORDER BY id"
LOAD_PAPER_REFERENCES = "SELECT paper_id, ref_id FROM paper_references ORDER BY paper_id, ref_id"
REFERENCES_OF_PAPERS = """
SELECT pr.paper_id, r.id, r.doi, r.title, r.year
FROM paper_references pr JOIN external_references r ON r.id = pr.ref_id
WHERE pr.paper_id IN (SELECT value FROM json_each(?)) ORDER BY pr.paper_id, r.id
"""

EXISTING_KEYWORDS = "SELECT name FROM keywords WHERE name IN (SELECT value FROM json_each(?))"

UNRESOLVED_KEY = "unresolved_references"
SET_META = """
INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
ADD_META = """
INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value
"""
GET_META = "SELECT value FROM meta WHERE key = ?"
DELETE_META = "DELETE FROM meta WHERE key = ?"
BUILD_KEY = "build_started_at"

LOAD_KEYWORDS = "SELECT name, df FROM keywords ORDER BY name"
LOAD_HAS_KEYWORD = "SELECT paper_id, keyword, score FROM has_keyword ORDER BY paper_id, keyword"
LOAD_SIMILAR = "SELECT source, target, score, terms FROM similar_to ORDER BY source, target"
LOAD_SHARES = """
SELECT source, target, count, jaccard, keywords FROM shares_keywords ORDER BY source, target
"""
LOAD_CITES = "SELECT source, target FROM cites ORDER BY source, target"
LOAD_COUPLED = "SELECT source, target, count, strength, shared FROM coupled ORDER BY source, target"
LOAD_CO_CITED = "SELECT source, target, count, strength, citers FROM co_cited ORDER BY source, target"
# ``load_edges(among=ids)``: both ends in ``:ids`` (a JSON array of paper ids).
_AMONG = "WHERE source IN (SELECT value FROM json_each(:ids)) AND target IN (SELECT value FROM json_each(:ids))"
AMONG_SIMILAR = f"SELECT source, target, score, terms FROM similar_to {_AMONG} ORDER BY source, target"
AMONG_SHARES = f"""
SELECT source, target, count, jaccard, keywords FROM shares_keywords {_AMONG} ORDER BY source, target
"""
AMONG_CITES = f"SELECT source, target FROM cites {_AMONG} ORDER BY source, target"
AMONG_COUPLED = f"SELECT source, target, count, strength, shared FROM coupled {_AMONG} ORDER BY source, target"
AMONG_CO_CITED = f"SELECT source, target, count, strength, citers FROM co_cited {_AMONG} ORDER BY source, target"

# -- analysis ---------------------------------------------------------------------------

CLEAR_SCORES = """
UPDATE papers SET community = NULL, degree = NULL, pagerank = NULL, betweenness = NULL,
                  bridge = NULL, x = NULL, y = NULL, subcommunity = NULL
WHERE community IS NOT NULL OR degree IS NOT NULL OR pagerank IS NOT NULL
   OR betweenness IS NOT NULL OR bridge IS NOT NULL OR x IS NOT NULL OR y IS NOT NULL
   OR subcommunity IS NOT NULL
"""

UPSERT_COMMUNITY = """
INSERT INTO communities (id, size, label, keywords, modularity, top_papers, level, parent)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    size = excluded.size, label = excluded.label, keywords = excluded.keywords,
    modularity = excluded.modularity, top_papers = excluded.top_papers,
    level = excluded.level, parent = excluded.parent
"""

SET_SCORES = """
UPDATE papers SET community = ?, degree = ?, pagerank = ?, betweenness = ?, bridge = ?,
                  x = ?, y = ?, subcommunity = ?
WHERE id = ?
"""

INSERT_RUN = """
INSERT INTO runs (kind, started_at, seconds, params, counts, versions) VALUES (?, ?, ?, ?, ?, ?)
"""

RUNS = """
SELECT kind, started_at, seconds, params, counts, versions FROM runs
ORDER BY started_at DESC, seq DESC LIMIT ?
"""

# -- reads ----------------------------------------------------------------------------

COUNTS = """
SELECT (SELECT count(*) FROM papers),
       (SELECT count(*) FROM keywords),
       (SELECT count(*) FROM communities),
       (SELECT count(*) FROM has_keyword),
       (SELECT count(*) FROM similar_to),
       (SELECT count(*) FROM shares_keywords),
       (SELECT count(*) FROM cites),
       (SELECT count(*) FROM papers p JOIN communities c ON c.id = p.community)
     + (SELECT count(*) FROM papers p JOIN communities c ON c.id = p.subcommunity),
       (SELECT count(*) FROM coupled),
       (SELECT count(*) FROM co_cited),
       (SELECT count(*) FROM external_references),
       (SELECT count(*) FROM paper_references)
"""

#: ``neighbors``: one branch per relation, all yielding
#: ``(neighbor id, relation, weight, json list, count)``.
NEIGHBOR_BRANCHES = {
    "similar": (
        "SELECT target, 'similar', score, terms, NULL FROM similar_to WHERE source = :id",
        "SELECT source, 'similar', score, terms, NULL FROM similar_to"
        " WHERE target = :id AND source <> :id",
    ),
    "keywords": (
        "SELECT target, 'keywords', jaccard, keywords, count FROM shares_keywords WHERE source = :id",
        "SELECT source, 'keywords', jaccard, keywords, count FROM shares_keywords"
        " WHERE target = :id AND source <> :id",
    ),
    "cites": ("SELECT target, 'cites', 1.0, NULL, NULL FROM cites WHERE source = :id",),
    "cited_by": ("SELECT source, 'cited_by', 1.0, NULL, NULL FROM cites WHERE target = :id",),
    # Not part of "all" (issue 23): asked for by name.
    "coupled": (
        "SELECT target, 'coupled', strength, shared, count FROM coupled WHERE source = :id",
        "SELECT source, 'coupled', strength, shared, count FROM coupled WHERE target = :id AND source <> :id",
    ),
    "cocited": (
        "SELECT target, 'cocited', strength, citers, count FROM co_cited WHERE source = :id",
        "SELECT source, 'cocited', strength, citers, count FROM co_cited WHERE target = :id AND source <> :id",
    ),
}

NEIGHBORS_TEMPLATE = """
WITH n (nid, relation, weight, items, cnt) AS ({branches})
SELECT n.nid, p.title, n.relation, n.weight, n.items, n.cnt
FROM n JOIN papers p ON p.id = n.nid
WHERE n.weight >= :min_weight
ORDER BY n.weight DESC, n.nid ASC, n.relation ASC
LIMIT :limit
"""

FULLTEXT = """
SELECT p.id, -bm25(papers_fts, 2.0, 1.0) AS score
FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
WHERE papers_fts MATCH ?
ORDER BY score DESC, p.id ASC
LIMIT ?
"""

COMMUNITY_COLUMNS = "id, size, label, keywords, modularity, top_papers, level, parent"

#: Topics by size, then subtopics grouped by parent, by size. ``:level`` NULL: every level.
COMMUNITIES = f"""
SELECT {COMMUNITY_COLUMNS} FROM communities
WHERE :level IS NULL OR level = :level
ORDER BY level ASC, coalesce(parent, -1) ASC, size DESC, id ASC
"""

COMMUNITY = f"SELECT {COMMUNITY_COLUMNS} FROM communities WHERE id = ?"

#: Members of a community by its level: topics through ``community``, subtopics ``subcommunity``.
COMMUNITY_MEMBERS = {
    0: "SELECT id FROM papers WHERE community = ? ORDER BY pagerank DESC NULLS LAST, id ASC",
    1: "SELECT id FROM papers WHERE subcommunity = ? ORDER BY pagerank DESC NULLS LAST, id ASC",
}

RANKING_TEMPLATE = """
SELECT id, {col} FROM papers WHERE {col} IS NOT NULL ORDER BY {col} DESC, id ASC LIMIT ?
"""

KEYWORDS = """
SELECT name, df FROM keywords WHERE substr(name, 1, ?) = ? ORDER BY df DESC, name ASC LIMIT ?
"""

KEYWORD_EXISTS = "SELECT 1 FROM keywords WHERE name = ?"

KEYWORD_HOLDERS = """
SELECT keyword, paper_id FROM has_keyword
WHERE keyword IN (SELECT value FROM json_each(?)) ORDER BY keyword, paper_id
"""

#: Papers per (keyword, year) of the keywords held by at least ``?`` papers (the timeline's
#: keyword series): one aggregate over has_keyword and the papers' years.
KEYWORD_YEARS = """
SELECT hk.keyword, p.year, count(*) FROM has_keyword hk JOIN papers p ON p.id = hk.paper_id
WHERE hk.keyword IN (SELECT keyword FROM has_keyword GROUP BY keyword HAVING count(*) >= ?)
GROUP BY hk.keyword, p.year
"""

KEYWORD_PAPERS = """
SELECT paper_id, score FROM has_keyword WHERE keyword = ?
ORDER BY score DESC, paper_id ASC LIMIT ? OFFSET ?
"""

CLEAR_TABLES = (
    "wrote", "published_in", "authors", "venues",
    "has_keyword", "similar_to", "shares_keywords", "cites", "coupled", "co_cited", "paper_references",
    "external_references", "keywords", "communities",
    "papers", "runs",
    "meta",
)

# --- the corpus map (viz/map.py): only what it draws ----------------------------------
PAPER_COLUMN_NAMES = "SELECT name FROM pragma_table_info('papers')"
MAP_PAPERS = """
SELECT id, CASE WHEN title <> '' THEN title ELSE substr(abstract, 1, 120) END, year, community, NULL,
       pagerank, x, y FROM papers
ORDER BY pagerank IS NULL, pagerank DESC, id
"""
#: The same, once papers carry the topic hierarchy's subtopic column.
MAP_PAPERS_WITH_SUBCOMMUNITY = """
SELECT id, CASE WHEN title <> '' THEN title ELSE substr(abstract, 1, 120) END, year, community, subcommunity,
       pagerank, x, y FROM papers
ORDER BY pagerank IS NULL, pagerank DESC, id
"""
SIMILAR_PAIRS = "SELECT source, target, score FROM similar_to ORDER BY source, target"
