"""Topics over time for the API (issue 25): the changelog, the timeline, emerging.

The changelog is read from the analyze runs (each records its ``changes``,
:mod:`graph.analysis.changelog`). The timeline is computed (:mod:`graph.analysis.timeline`)
from the store's paper years, memberships and papers per keyword and year (one
aggregate read, :meth:`graph.stores.base.GraphStore.keyword_years`) and kept on ``app.state.timeline_cache`` until the store changes, so hepth is read
once, not per request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Hashable

from api.service import GraphService
from graph.analysis.bursts import GAMMA, S
from graph.errors import CommunityNotFound

__all__ = ["HISTORY_RUNS", "KEYWORD_LIMIT", "TimelineData", "TimelineCache", "load_timeline",
           "changes", "history", "timeline", "emerging", "topic_keywords"]

#: Analyze runs read for /changes and /communities/{id}/history (newest first).
HISTORY_RUNS = 1000
#: Bursting keywords listed per topic on the timeline page.
TOPIC_KEYWORDS = 5
#: Keywords given a timeline: the most frequent ones (a keyword in 3 papers has no trend).
KEYWORD_LIMIT = 2000
KEYWORD_MIN_DF = 3


@dataclass(frozen=True)
class TimelineData:
    years: list[int]
    papers: int
    undated: int
    communities: list[dict[str, Any]]  # id, level, parent, label, size + series
    keywords: list[dict[str, Any]]     # id (the keyword), label, df + series
    params: dict[str, float]


def load_timeline(store: Any, *, s: float = S, gamma: float = GAMMA) -> TimelineData:
    """Read years, memberships and keyword papers from ``store``; compute every series."""
    from graph.analysis.timeline import series, series_of_counts

    papers = store.map_papers()
    year = {p.id: p.year for p in papers}
    comms = store.communities()
    members: dict[int, list[str]] = {c.id: [] for c in comms}
    for p in papers:
        for cid in (p.community, p.subcommunity):
            if cid is not None and cid in members:
                members[cid].append(p.id)
    years, per_comm = series(year, members, s=s, gamma=gamma)
    # One aggregate read (keyword, year, papers), not the derived graph: on hepth the
    # derived graph's read was most of a first /timeline (bench/timeline_load.py).
    kw_years: dict[str, dict[int | None, int]] = {}
    for name, y, n in store.keyword_years(min_papers=KEYWORD_MIN_DF):
        kw_years.setdefault(name, {})[y] = n
    held = {k: sum(per.values()) for k, per in kw_years.items()}
    frequent = sorted(kw_years, key=lambda k: (-held[k], k))[:KEYWORD_LIMIT]
    _, per_kw = series_of_counts(year, {k: kw_years[k] for k in frequent}, s=s, gamma=gamma)
    communities = [{"id": c.id, "level": int(c.level or 0), "parent": c.parent, "label": c.label,
                    "size": c.size, "keywords": list(c.keywords), **per_comm[c.id]} for c in comms]
    keywords = [{"id": k, "label": k, "size": held[k], **per_kw[k]} for k in frequent]
    return TimelineData(years=years, papers=len(year), undated=sum(1 for y in year.values() if y is None),
                        communities=communities, keywords=keywords, params={"s": s, "gamma": gamma})


class TimelineCache:
    """The last :class:`TimelineData` and the store version it was computed for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._data: TimelineData | None = None

    def get(self, version: Hashable, load) -> TimelineData:
        with self._lock:  # one load at a time; the others wait for it
            if self._data is None or self._version != version:
                self._data = load()
                self._version = version
            return self._data


def _analyze_runs(service: GraphService) -> list[Any]:
    runs = service.call(service.store.runs, limit=HISTORY_RUNS)
    return [r for r in runs if r.kind == "analyze" and "changes" in r.params]


def _page(items: list, limit: int, offset: int) -> dict:
    return {"total": len(items), "limit": limit, "offset": offset, "items": items[offset: offset + limit]}


def changes(service: GraphService, *, since: str | None, level: int | None, kinds: set[str] | None,
            limit: int, offset: int) -> dict:
    """Every recorded change of the analyze runs started after ``since`` (a run's
    ``started_at``; absent: every run), newest run first."""
    items = []
    runs = _analyze_runs(service)
    for r in runs:
        if since is not None and r.started_at <= since:
            continue
        for c in r.params["changes"]:
            if (level is None or c["level"] == level) and (kinds is None or c["kind"] in kinds):
                items.append({"run": r.started_at, **c})
    out = _page(items, limit, offset)
    out["runs"] = [{"started_at": r.started_at, "summary": r.params.get("changes_summary", {})}
                   for r in runs if since is None or r.started_at > since]
    return out


def history(service: GraphService, community_id: int, *, limit: int, offset: int) -> dict:
    """The changes of one community id, oldest run first; 404 when no run names it."""
    items = [{"run": r.started_at, **c} for r in reversed(_analyze_runs(service))
             for c in r.params["changes"] if c["id"] == community_id]
    if not items:
        raise CommunityNotFound(community_id)
    return {"id": community_id, **_page(items, limit, offset)}


def _item(entry: dict, years: list[int]) -> dict:
    return {**{k: entry[k] for k in ("id", "label", "size", "undated", "bursts")},
            "level": entry.get("level"), "parent": entry.get("parent"),
            "counts": dict(zip(map(str, years), entry["counts"])),
            "growth": dict(zip(map(str, years), entry["growth"]))}


def timeline(data: TimelineData, *, kind: str, level: int, limit: int, offset: int) -> dict:
    """Topics (or subtopics, or keywords) with their papers per year and bursts."""
    entries = data.keywords if kind == "keywords" else [c for c in data.communities if c["level"] == level]
    items = [_item(e, data.years) for e in entries]
    return {**_page(items, limit, offset), "years": data.years, "papers": data.papers,
            "undated": data.undated, "params": data.params}


def emerging(data: TimelineData, *, year: int, limit: int, offset: int) -> dict:
    """Communities and keywords bursting or growing fastest at ``year``, with evidence."""
    from graph.analysis.timeline import emerging as rank

    items = []
    for kind, entries in (("community", data.communities), ("keyword", data.keywords)):
        per = {e["id"]: e for e in entries}
        for key, evidence in rank(data.years, per, year):
            items.append((kind, per[key], evidence))
    # Bursts before growth; within each, the strongest / fastest first, communities before keywords.
    items.sort(key=lambda t: (t[2]["reason"] != "burst",
                              -(t[2]["burst"]["strength"] if t[2]["burst"] else t[2]["growth"] or 0),
                              t[0], str(t[1]["id"])))
    out = [{"kind": kind, **_item(entry, data.years), "reason": ev["reason"], "burst": ev["burst"],
            "growth_at_year": ev["growth"]} for kind, entry, ev in items]
    return {**_page(out, limit, offset), "year": year, "years": data.years, "papers": data.papers,
            "undated": data.undated, "params": data.params}


def topic_keywords(data: TimelineData, *, limit: int = TOPIC_KEYWORDS) -> dict[int, list[dict]]:
    """Topic id -> its bursting keywords, strongest burst first: the keywords of
    the topic and of its subtopics that burst in the corpus's keyword timeline,
    each ``{"label", "burst"}`` with its strongest burst. A keyword is listed
    under one topic only, the one naming it first (a topic's own keywords before
    its subtopics', earlier in the list first, then the larger community): "AdS"
    is a keyword of half of hep-th's subtopics but belongs to one topic. A keyword
    is matched in any case (the stores keep the texts' case)."""
    timeline = {str(k["id"]).casefold(): k for k in data.keywords if k["bursts"]}
    owner: dict[str, tuple[tuple, int, dict]] = {}
    for c in data.communities:
        topic = c["id"] if c["level"] == 0 else c["parent"]
        if topic is None:
            continue
        for pos, name in enumerate(c.get("keywords", ())):
            k = timeline.get(str(name).casefold())
            if k is None:
                continue
            rank = (c["level"], pos, -int(c.get("size") or 0), topic)
            if str(k["id"]) not in owner or rank < owner[str(k["id"])][0]:
                owner[str(k["id"])] = (rank, topic, k)
    found: dict[int, list[dict]] = {}
    for _, topic, k in owner.values():
        best = max(k["bursts"], key=lambda b: (b["strength"], -b["start"]))
        found.setdefault(topic, []).append({"label": k["label"], "burst": best})
    return {topic: sorted(kws, key=lambda f: (-f["burst"]["strength"], f["label"]))[:limit]
            for topic, kws in sorted(found.items())}
