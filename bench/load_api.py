"""Bounded loopback load test of the REST API: requests/s and p50/p95/p99 latency.

Starts ``citegraph serve`` (a real uvicorn, 1..N workers) on a free loopback port
over an already loaded store, samples paper ids and search words from the API
itself, then for each endpoint runs

- an **open-loop** phase: requests sent on a fixed schedule (``--rate`` per
  second for ``--duration`` seconds, whatever the answers take), latency measured
  from the scheduled send time, so a slow server cannot hide its queueing;
- a **closed-loop** phase: ``--concurrency`` clients back to back for
  ``--duration`` seconds: the most requests per second the server gives.

Everything stops by itself: each phase has a deadline, and the server is
stopped at the end (also on Ctrl-C). Prints a Markdown table (and ``--json``)
with the 1-minute load average as each phase starts: the machine is shared, so
read latencies next to it.

Example (hepth loaded into the embedded store first with ``citegraph run``)::

    python bench/load_api.py --store embedded --db /tmp/hepth.db --workers 1 2
    python bench/load_api.py --store neo4j --workers 1 2   # NEO4J_URI/NEO4J_PASSWORD set
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx  # only for setup (health, sampling, warm-up); the load uses raw keep-alive sockets

from _server import Server, percentile, server_env

ENDPOINTS = ("paper", "neighbors", "search")


def sample(base: str, n_ids: int, seed: int) -> tuple[list[str], list[str]]:
    """Paper ids (random pages of /papers) and 1-3 word queries from their titles."""
    rng = random.Random(seed)
    total = httpx.get(base + "/papers", params={"limit": 1}, timeout=30).json()["total"]
    ids: list[str] = []
    titles: list[str] = []
    while len(ids) < min(n_ids, total):
        offset = rng.randrange(0, max(total - 200, 1))
        page = httpx.get(base + "/papers", params={"limit": 200, "offset": offset}, timeout=30).json()["items"]
        ids += [p["id"] for p in page]
        titles += [p["title"] for p in page if p["title"]]
    ids = list(dict.fromkeys(ids))[:n_ids]
    words = [w for t in titles for w in t.lower().split() if len(w) > 4 and w.isalpha()]
    queries = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(500)] if words else ["theory"]
    return ids, queries


def make_path(endpoint: str, rng: random.Random, ids: list[str], queries: list[str]) -> str:
    if endpoint == "paper":
        return "/papers/" + quote(rng.choice(ids), safe="/")
    if endpoint == "neighbors":
        return "/papers/" + quote(rng.choice(ids), safe="/") + "/neighbors?limit=20"
    return "/search?limit=20&q=" + quote(rng.choice(queries))


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as a client can be: the load
    generator shares the 2 cores with the server, so it must cost little."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await self.reader.readexactly(length)
            return status
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def open_loop(host: str, port: int, endpoint: str, rate: float, duration: float, connections: int,
                    ids, queries, seed: int) -> dict:
    """Requests sent on schedule through a pool of keep-alive connections; a
    request waiting for a free connection is queueing, and that counts."""
    rng = random.Random(seed)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(host, port))
    latencies: list[float] = []
    errors = 0
    n = int(rate * duration)
    t0 = time.perf_counter() + 0.2

    async def one(path: str, scheduled: float) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            if await conn.get(path) != 200:
                errors += 1
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
        finally:
            pool.put_nowait(conn)
        latencies.append(time.perf_counter() - scheduled)

    tasks = []
    for i in range(n):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(make_path(endpoint, rng, ids, queries), scheduled)))
    # Stop by itself: whatever has not answered within the grace period is dropped.
    done, pending = await asyncio.wait(tasks, timeout=max(10.0, duration))
    for task in pending:
        task.cancel()
    elapsed = time.perf_counter() - t0
    while not pool.empty():
        pool.get_nowait().close()
    res = _summary(endpoint, "open", latencies, errors + len(pending), elapsed, rate)
    res["dropped"] = len(pending)
    return res


async def closed_loop(host: str, port: int, endpoint: str, concurrency: int, duration: float,
                      ids, queries, seed: int) -> dict:
    """``concurrency`` clients back to back: the most the server gives."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    t0 = time.perf_counter()
    deadline = t0 + duration

    async def worker() -> None:
        nonlocal errors
        conn = Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    if await conn.get(make_path(endpoint, rng, ids, queries)) != 200:
                        errors += 1
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    errors += 1
                latencies.append(time.perf_counter() - start)
        finally:
            conn.close()

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout=duration + 60)
    elapsed = time.perf_counter() - t0
    return {**_summary(endpoint, "closed", latencies, errors, elapsed, None), "concurrency": concurrency}


def _summary(endpoint: str, mode: str, latencies: list[float], errors: int, elapsed: float, rate) -> dict:
    ms = [x * 1000 for x in latencies]
    return {"endpoint": endpoint, "mode": mode, "target_rate": rate, "requests": len(ms), "errors": errors,
            "rps": round(len(ms) / elapsed, 1) if elapsed > 0 else 0.0,
            "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2)}


def warm_up(base: str, ids: list[str], queries: list[str], workers: int, timeout: float) -> None:
    """Each worker fits its search index on its first /search: send enough
    requests that every worker has done it before measuring."""
    rng = random.Random(1)
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for _ in range(20 * workers):
            if time.monotonic() > deadline:
                break
            for endpoint in ENDPOINTS:
                client.get(make_path(endpoint, rng, ids, queries))


def run(args) -> list[dict]:
    results = []
    for workers in args.workers:
        server = Server(server_env(args.store, args.db), workers=workers)
        base, port = server.base, server.port
        try:
            health = server.wait_ready(args.startup_timeout)
            ids, queries = sample(base, args.ids, args.seed)
            warm_up(base, ids, queries, workers, args.startup_timeout)
            for endpoint in args.endpoints:
                rate = args.search_rate if endpoint == "search" else args.rate
                for phase in ("open", "closed"):
                    loadavg = round(os.getloadavg()[0], 2)  # 1-min load average as the phase starts
                    if phase == "open":
                        res = asyncio.run(open_loop("127.0.0.1", port, endpoint, rate, args.duration,
                                                    args.connections, ids, queries, args.seed))
                    else:
                        res = asyncio.run(closed_loop("127.0.0.1", port, endpoint, args.concurrency,
                                                      args.duration, ids, queries, args.seed))
                    res.update(store=args.store, workers=workers, papers=health["counts"]["papers"],
                               loadavg=loadavg)
                    results.append(res)
                    print(json.dumps(res), file=sys.stderr, flush=True)
                    time.sleep(1.0)
        finally:
            server.stop()
    return results


def table(results: list[dict]) -> str:
    lines = ["| store | workers | endpoint | load | req/s | p50 ms | p95 ms | p99 ms | errors | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        load = f"open {r['target_rate']:g}/s" if r["mode"] == "open" else f"closed x{r['concurrency']}"
        lines.append(f"| {r['store']} | {r['workers']} | {r['endpoint']} | {load} | {r['rps']} | {r['p50_ms']} | "
                     f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} | {r.get('loadavg', '')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--db", help="embedded store file (CITEGRAPH_DB)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop requests per second (paper, neighbors)")
    parser.add_argument("--search-rate", type=float, default=20.0, help="open-loop requests per second of /search")
    parser.add_argument("--connections", type=int, default=32, help="open-loop keep-alive connections")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients")
    parser.add_argument("--ids", type=int, default=2000, help="paper ids to sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = run(args)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
