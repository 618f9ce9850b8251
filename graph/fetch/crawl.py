"""A resumable crawl: seed papers, then their references and/or citations, hop by hop.

The crawl is a queue of paged jobs (a search, a batch of ids, the citations of one
paper). After every page it appends the new records to the output (one JSON object
per line, flushed and fsynced) and then atomically replaces a small state file
next to it: the queue with the current page cursor, the ids waiting for the next
hop, and the output's length in bytes. A run killed at any point resumes from
the state: the output is cut back to the length the state recorded (dropping
records written after the last save), the ids already written are read back
from it, and the same page is asked again (from the HTTP cache, so for free).
So a killed-then-resumed run writes exactly the lines an uninterrupted run
writes, each paper once.

Sources (:mod:`graph.fetch.openalex`, :mod:`graph.fetch.semanticscholar`) say how a
job is paged and what a record's id and references are; this module owns the order.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from graph.errors import BadInput, param_error

__all__ = ["Job", "Page", "Source", "FetchReport", "crawl", "state_path", "EXPANSIONS"]

log = logging.getLogger(__name__)

EXPANSIONS = ("references", "citations")
STATE_VERSION = 1
MAX_HOPS = 5
MAX_RECORDS = 1_000_000


@dataclass
class Job:
    """One paged request series. ``kind`` and ``arg`` mean what the source says."""

    kind: str
    arg: Any
    hop: int
    cursor: Any = None  # the next page's position; None = the first page


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    next_cursor: Any = None  # None: the job has no more pages


class Source(Protocol):
    name: str

    def seed_jobs(self, *, query: str | None, ids: list[str]) -> list[Job]: ...

    def fetch_page(self, job: Job) -> Page: ...

    def record_id(self, record: dict[str, Any]) -> str | None: ...

    def reference_ids(self, record: dict[str, Any]) -> list[str]: ...

    def lookup_jobs(self, ids: list[str], hop: int) -> list[Job]: ...

    def citations_job(self, record_id: str, hop: int) -> Job: ...

    def output_record(self, record: dict[str, Any]) -> dict[str, Any]: ...

    def output_id(self, line: dict[str, Any]) -> str | None: ...


@dataclass
class FetchReport:
    source: str
    out: str
    written: int = 0          # records in the output file at the end
    new: int = 0              # of which written by this run
    hops: int = 0             # the deepest hop reached
    requests: int = 0         # HTTP requests sent by this run (retries included)
    cache_hits: int = 0
    resumed: bool = False
    complete: bool = False
    stopped_at_max: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def state_path(out: Path) -> Path:
    """The state file of an output file: ``OUT.fetch-state.json`` beside it."""
    return out.with_name(out.name + ".fetch-state.json")


def crawl(source: Source, out: str | os.PathLike[str], *, query: str | None = None, ids: Iterable[str] = (),
          expand: Iterable[str] = (), hops: int = 1, max_records: int = 5000,
          progress: Callable[[str, int, int], None] | None = None,
          stats: Callable[[], tuple[int, int]] | None = None) -> FetchReport:
    """Fetch seed papers and grow them hop by hop into ``out`` (JSON Lines); resumable.

    Parameters
    ----------
    source : Source
    out : path
        The output file. With its state file present, the run resumes it; a
        finished run is not repeated. An existing output without a state file
        is refused (it is not ours to append to).
    query, ids
        The seeds: a search text, and/or ids (DOIs) to look up.
    expand : iterable of {"references", "citations"}
        What to follow from each paper, ``hops`` times.
    hops : int in [0, 5]
    max_records : int in [1, 1000000]
        Stop after this many papers (seeds first, then hop 1, ...).
    progress : callable(stage, done, total), optional
    stats : callable() -> (requests sent, cache hits), optional

    Raises
    ------
    InvalidParameter
        For a bad ``hops``, ``max_records`` or ``expand``, or no seed.
    BadInput
        When ``out`` exists without a state file, or its state was started with other parameters.
    FetchFailed
        When the source keeps failing; the state is saved, so the next run resumes.
    """
    expand = tuple(dict.fromkeys(expand))
    for item in expand:
        if item not in EXPANSIONS:
            raise param_error("expand", f"fetch {source.name}", f"a comma-separated subset of {','.join(EXPANSIONS)}", item)
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= MAX_HOPS:
        raise param_error("hops", f"fetch {source.name}", f"an int in [0, {MAX_HOPS}]", hops)
    if isinstance(max_records, bool) or not isinstance(max_records, int) or not 1 <= max_records <= MAX_RECORDS:
        raise param_error("max", f"fetch {source.name}", f"an int in [1, {MAX_RECORDS}]", max_records)
    ids = [i.strip() for i in ids if i and i.strip()]
    query = query.strip() if query else None
    if not query and not ids:
        raise param_error("query", f"fetch {source.name}", "a search text, unless ids (--doi) are given", query)

    started = time.monotonic()
    out = Path(out)
    spath = state_path(out)
    params = {"source": source.name, "query": query, "ids": ids, "expand": list(expand), "hops": hops,
              "max": max_records}
    report = FetchReport(source=source.name, out=str(out))
    requests0, hits0 = stats() if stats else (0, 0)

    state = _load_state(spath)
    if state is not None:
        if state["params"] != params:
            raise BadInput(f"{out}: started by another fetch ({_describe(state['params'])}); "
                           f"use another --out, or delete {out} and {spath.name} to start over")
        report.resumed = True
    else:
        if out.exists() and out.stat().st_size > 0:
            raise BadInput(f"{out}: exists and has no fetch state ({spath.name}); "
                           "choose a new --out (fetch never appends to a file it did not start)")
        out.parent.mkdir(parents=True, exist_ok=True)
        state = {"version": STATE_VERSION, "params": params, "output_bytes": 0, "written": 0, "hop": 0,
                 "jobs": [asdict(j) for j in source.seed_jobs(query=query, ids=ids)],
                 "next_refs": [], "next_cites": [], "done": False}
        out.write_bytes(b"")
        _save_state(spath, state)

    seen = _read_back(out, state["output_bytes"], source)
    if len(seen) != state["written"]:
        log.warning("%s: %d distinct ids in the output, state says %d written", out, len(seen), state["written"])
    written_before = state["written"]
    jobs = [Job(**j) for j in state["jobs"]]
    next_refs: list[str] = list(state["next_refs"])
    refs_queued = set(next_refs)
    next_cites: list[str] = list(state["next_cites"])

    def save() -> None:
        state.update(jobs=[asdict(j) for j in jobs], next_refs=next_refs, next_cites=next_cites)
        _save_state(spath, state)

    with open(out, "ab") as handle:
        while not state["done"]:
            if progress:
                progress(f"{source.name} hop {state['hop']}", state["written"], max_records)
            if not jobs:
                if state["hop"] >= hops or not (next_refs or next_cites):
                    state["done"] = True
                else:
                    state["hop"] += 1
                    wanted = [i for i in next_refs if i not in seen]
                    jobs = source.lookup_jobs(wanted, state["hop"]) if wanted else []
                    jobs += [source.citations_job(i, state["hop"]) for i in next_cites]
                    next_refs, next_cites = [], []
                    refs_queued.clear()
                    log.info("fetch %s: hop %d, %d jobs", source.name, state["hop"], len(jobs))
                save()
                continue
            job = jobs[0]
            page = source.fetch_page(job)
            lines = []
            for record in page.records:
                if state["written"] >= max_records:
                    break
                rid = source.record_id(record)
                if rid is None or rid in seen:
                    continue
                seen.add(rid)
                state["written"] += 1
                lines.append(json.dumps(source.output_record(record), ensure_ascii=False) + "\n")
                if job.hop < hops:
                    if "references" in expand:
                        for ref in source.reference_ids(record):
                            if ref not in seen and ref not in refs_queued:
                                refs_queued.add(ref)
                                next_refs.append(ref)
                    if "citations" in expand:
                        next_cites.append(rid)
            if lines:
                handle.write("".join(lines).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            state["output_bytes"] = handle.tell()
            if page.next_cursor is None:
                jobs.pop(0)
            else:
                job.cursor = page.next_cursor
            if state["written"] >= max_records:
                state["done"] = True
                report.stopped_at_max = True
            save()

    requests1, hits1 = stats() if stats else (0, 0)
    report.written = state["written"]
    report.new = state["written"] - written_before
    report.hops = state["hop"]
    report.requests = requests1 - requests0
    report.cache_hits = hits1 - hits0
    report.complete = True
    report.seconds = round(time.monotonic() - started, 3)
    if progress:
        progress(f"{source.name} hop {state['hop']}", state["written"], max_records)
    return report


def _describe(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items() if v not in (None, [], ()))


def _load_state(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"{path}: not a fetch state file ({exc}); delete it and the output to start over") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise BadInput(f"{path}: not a fetch state file of this version; delete it and the output to start over")
    return state


def _save_state(path: Path, state: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_back(out: Path, length: int, source: Source) -> set[str]:
    """Cut ``out`` back to ``length`` bytes (what the state vouches for) and return its ids."""
    if out.exists() and out.stat().st_size > length:
        log.info("%s: dropping %d bytes written after the last saved state", out, out.stat().st_size - length)
        with open(out, "r+b") as handle:
            handle.truncate(length)
    seen: set[str] = set()
    if not out.exists():
        return seen
    with open(out, encoding="utf-8") as handle:
        for line in handle:
            rid = source.output_id(json.loads(line))
            if rid is not None:
                seen.add(rid)
    return seen
