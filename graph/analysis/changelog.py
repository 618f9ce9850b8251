"""A changelog of topics: what each analyze did to each community.

After :mod:`graph.analysis.stable_ids` has renumbered a new analysis, a
community id present before and after names the same topic; an id only
before is gone, an id only after is new. :func:`changelog` says, per
community id and level, one of

``born``
    a new id whose papers came from no earlier community (mostly new papers);
``grew`` / ``shrank`` / ``same``
    the id continues; ``delta`` papers more or fewer (``added`` joined it,
    ``removed`` left it);
``split``
    an id gone or continuing whose papers went in substantial part to two or
    more communities (``into``); a new id carved out of one earlier community
    has ``from`` that one id;
``merged``
    a continuing community that took in a substantial part of another (``from``
    the others), or a new one made of substantial parts of two or more earlier
    communities (``from``); an id gone into a single other
    community is ``merged`` with ``into`` that one;
``died``
    an id gone whose papers went nowhere substantial.

A flow of papers from an earlier community ``p`` to a later one ``n`` is
substantial when it is at least ``share`` of ``p`` or at least half of ``n``.
Pure: data in, data out.

>>> prev = {0: (0, {"a", "b", "c", "d"}), 1: (0, {"x", "y"})}
>>> new = {0: (0, {"a", "b", "c", "d", "e"}), 2: (0, {"q", "r"})}
>>> [(c["id"], c["kind"], c["delta"]) for c in changelog(prev, new)]
[(0, 'grew', 1), (1, 'died', -2), (2, 'born', 2)]
"""

from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping

from graph.errors import param_error

__all__ = ["KINDS", "FLOW_SHARE", "changelog", "summarize", "summary_line"]

#: Every kind of change, in the order summaries list them.
KINDS = ("born", "grew", "shrank", "same", "split", "merged", "died")

#: Share of an earlier community that must flow into a later one for the flow
#: to count (or half of the later one).
FLOW_SHARE = 0.3

_WHERE = "changelog"


def changelog(
    previous: Mapping[int, tuple[int, Collection[str]]],
    new: Mapping[int, tuple[int, Collection[str]]],
    *,
    share: float = FLOW_SHARE,
) -> list[dict[str, Any]]:
    """Per community id, what happened to it between ``previous`` and ``new``.

    Parameters
    ----------
    previous, new : mapping
        Stable id -> ``(level, members)`` before and after the analyze.
    share : float
        In (0, 1]: the share of an earlier community a flow must carry to count.

    Returns
    -------
    list of dict
        Sorted by (level, id); each with ``id``, ``level``, ``kind`` (one of
        :data:`KINDS`), ``size_before``, ``size_after``, ``delta``, ``added``,
        ``removed``, ``from`` and ``into`` (lists of ids, sorted).
    """
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 < share <= 1:
        raise param_error("share", _WHERE, "a number in (0, 1]", share)
    prev = {cid: (int(level), set(members)) for cid, (level, members) in previous.items()}
    cur = {cid: (int(level), set(members)) for cid, (level, members) in new.items()}
    owner: dict[tuple[int, str], int] = {}
    for cid, (level, members) in cur.items():
        for m in members:
            owner[(level, m)] = cid
    # flow[p][n]: papers of earlier p now in n (same level).
    flow: dict[int, dict[int, int]] = {}
    for pid, (level, members) in prev.items():
        out: dict[int, int] = {}
        for m in members:
            nid = owner.get((level, m))
            if nid is not None:
                out[nid] = out.get(nid, 0) + 1
        flow[pid] = out

    def substantial(pid: int, nid: int, count: int) -> bool:
        return count >= share * len(prev[pid][1]) or 2 * count >= len(cur[nid][1])

    into: dict[int, list[int]] = {pid: sorted(n for n, c in out.items() if n != pid and substantial(pid, n, c))
                                  for pid, out in flow.items()}
    sources: dict[int, list[int]] = {nid: [] for nid in cur}
    for pid, targets in into.items():
        for nid in targets:
            sources[nid].append(pid)
    changes: list[dict[str, Any]] = []
    for cid in sorted(set(prev) | set(cur), key=lambda c: ((cur.get(c) or prev[c])[0], c)):
        before = prev.get(cid)
        after = cur.get(cid)
        level = (after or before)[0]  # type: ignore[index]
        b = before[1] if before else set()
        a = after[1] if after else set()
        frm = sorted(sources.get(cid, ())) if after else []
        to = into.get(cid, []) if before else []
        if before and after:
            if frm:
                kind = "merged"
            elif to:
                kind = "split"
            else:
                kind = "grew" if len(a) > len(b) else "shrank" if len(a) < len(b) else "same"
        elif after:
            kind = "merged" if len(frm) >= 2 else "split" if len(frm) == 1 else "born"
        else:
            kind = "split" if len(to) >= 2 else "merged" if len(to) == 1 else "died"
        changes.append({
            "id": cid, "level": level, "kind": kind,
            "size_before": len(b), "size_after": len(a), "delta": len(a) - len(b),
            "added": len(a - b), "removed": len(b - a),
            "from": frm, "into": to,
        })
    return changes


def summarize(changes: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """``{"0": {kind: count}, "1": {...}}``: how many communities of each level
    had each kind of change (kinds with none left out)."""
    out: dict[str, dict[str, int]] = {}
    for c in changes:
        level = out.setdefault(str(c["level"]), {})
        level[c["kind"]] = level.get(c["kind"], 0) + 1
    return {lv: {k: counts[k] for k in KINDS if k in counts} for lv, counts in sorted(out.items())}


def summary_line(summary: Mapping[str, Mapping[str, int]]) -> str:
    """One line for the CLI: ``topics: 2 born, 5 grew; subtopics: 1 split``.

    >>> summary_line({"0": {"born": 2, "grew": 5}, "1": {"split": 1}})
    'topics: 2 born, 5 grew; subtopics: 1 split'
    """
    names = {"0": "topics", "1": "subtopics"}
    parts = []
    for level, counts in summary.items():
        body = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        parts.append(f"{names.get(level, 'level ' + level)}: {body}")
    return "; ".join(parts) or "no communities"
