"""Loopback soak test of the REST API: a steady request rate over a mix of
endpoints for a long time; reports errors, latency and whether memory stays flat.

Starts ``citegraph serve`` (one uvicorn process) on a free loopback port over a
store (loaded first with ``citegraph run`` when ``--load`` names a corpus and the
store is empty), samples ids, keywords and communities from the API itself, then
sends requests on a fixed open-loop schedule (``--rate`` per second) until
``--duration`` seconds or ``--max-requests`` requests, whichever comes first.
Latency is measured from each request's scheduled send time, so a server that
falls behind shows it. The server's RSS is sampled every few seconds; the report
gives start (after warm-up), end, peak and end/start.

Bounded by construction: the schedule has a deadline, in-flight requests get a
timeout, and the server is stopped at the end (also on Ctrl-C).

Examples::

    python bench/soak.py --load citeseer --db /tmp/citeseer.db              # 100 req/s, 600 s
    python bench/soak.py --store neo4j --load hepth --rate 100 --duration 600  # NEO4J_* set
    python bench/soak.py --load seeds --db /tmp/seeds.db --rate 50 --duration 40 --json out.json

Exit status 0 when no request failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from _server import Server, percentile, rss_kib, server_env

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = {
    "seeds": lambda: (sorted(str(p) for p in (ROOT / "graph" / "sample").glob("*.txt")), []),
    "citeseer": lambda: ([str(SHARED / "data" / "citeseer" / "papers.jsonl")],
                         [str(SHARED / "data" / "citeseer" / "citations.csv")]),
    "hepth": lambda: ([str(SHARED / "data" / "hepth" / "papers.jsonl.gz")],
                      [str(SHARED / "data" / "hepth" / "citations.csv.gz")]),
}
#: (name, weight): the mix of a browsing user; weights are relative.
MIX = (
    ("paper", 25), ("neighbors", 15), ("list", 10), ("search", 15), ("recommendations", 5),
    ("communities", 5), ("community", 5), ("rankings", 5), ("keywords", 5), ("keyword_papers", 5),
    ("health", 3), ("stats", 1), ("path", 1),
)
RSS_EVERY = 5.0


def _env(args) -> dict[str, str]:
    env = server_env(args.store, args.db)
    env.pop("CI", None)
    return env


def load(args) -> None:
    """``citegraph run`` on the corpus when the store holds no paper yet."""
    env = _env(args)
    out = subprocess.run([sys.executable, "-m", "api", "stats", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode == 0 and json.loads(out.stdout)["papers"] > 0:
        return
    papers, citations = CORPORA[args.load]()
    cmd = [sys.executable, "-m", "api", "run", *papers]
    for c in citations:
        cmd += ["--citations", c]
    t0 = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=args.load_timeout)
    print(f"loaded {args.load} in {time.monotonic() - t0:.0f} s", file=sys.stderr)


def sample(base: str, seed: int) -> dict[str, list]:
    """Ids, words, keywords and communities taken from the API itself."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as c:
        total = c.get("/papers", params={"limit": 1}).json()["total"]
        ids, words = [], []
        for _ in range(10):
            offset = rng.randrange(max(total - 100, 1))
            for p in c.get("/papers", params={"limit": 100, "offset": offset}).json()["items"]:
                ids.append(p["id"])
        keywords = [k["name"] for k in c.get("/keywords", params={"limit": 200}).json()["items"]]
        for k in keywords:
            words += k.split()
        communities = [x["id"] for x in c.get("/communities", params={"limit": 100}).json()["items"]]
    return {"ids": sorted(set(ids)), "words": sorted(set(words)) or ["graph"], "keywords": keywords or ["graph"],
            "communities": communities or [0], "total": [total]}


def make_path(kind: str, rng: random.Random, s: dict[str, list]) -> str:
    pid = quote(rng.choice(s["ids"]), safe="/")
    if kind == "paper":
        return f"/papers/{pid}"
    if kind == "neighbors":
        return f"/papers/{pid}/neighbors?limit=20"
    if kind == "recommendations":
        return f"/papers/{pid}/recommendations?limit=10"
    if kind == "list":
        return f"/papers?limit=20&offset={rng.randrange(max(s['total'][0] - 20, 1))}&sort=pagerank"
    if kind == "search":
        return "/search?q=" + quote(" ".join(rng.sample(s["words"], min(2, len(s["words"])))))
    if kind == "communities":
        return "/communities?limit=20"
    if kind == "community":
        return f"/communities/{rng.choice(s['communities'])}?limit=20"
    if kind == "rankings":
        return "/rankings?metric=" + rng.choice(["pagerank", "degree", "betweenness", "bridge"])
    if kind == "keywords":
        return "/keywords?limit=20&prefix=" + quote(rng.choice(s["keywords"])[:2])
    if kind == "keyword_papers":
        return f"/keywords/{quote(rng.choice(s['keywords']), safe='')}/papers?limit=20"
    if kind == "health":
        return "/health"
    if kind == "stats":
        return "/stats"
    other = quote(rng.choice(s["ids"]), safe="")
    return f"/path?source={quote(rng.choice(s['ids']), safe='')}&target={other}&max_hops=3"


async def soak(base: str, pid: int, s: dict[str, list], args) -> dict:
    rng = random.Random(args.seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, int] = {}
    samples: list[tuple[float, int]] = []
    sent = 0
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as client:
        sem = asyncio.Semaphore(args.concurrency)

        async def one(kind: str, path: str, scheduled: float) -> None:
            async with sem:
                try:
                    r = await client.get(path)
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                took = time.monotonic() - scheduled
            latencies.append(took)
            by_kind[kind].append(took)
            if status != 200:
                key = f"{kind} {status}"
                errors[key] = errors.get(key, 0) + 1
                if sum(errors.values()) <= 5:
                    print(f"error: GET {path} -> {status}", file=sys.stderr)

        tasks = set()
        t0 = time.monotonic()
        next_rss = t0
        interval = 1.0 / args.rate
        while sent < args.max_requests:
            scheduled = t0 + sent * interval
            now = time.monotonic()
            if scheduled - t0 >= args.duration:
                break
            if now >= next_rss:
                samples.append((now - t0, rss_kib(pid) or 0))
                next_rss = now + RSS_EVERY
            if scheduled > now:
                await asyncio.sleep(scheduled - now)
            kind = rng.choices(kinds, weights)[0]
            task = asyncio.create_task(one(kind, make_path(kind, rng, s), scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        if tasks:
            await asyncio.wait(tasks, timeout=args.timeout + 5)
        elapsed = time.monotonic() - t0
        samples.append((elapsed, rss_kib(pid) or 0))
    unanswered = sent - len(latencies)
    if unanswered:
        errors["unanswered"] = unanswered
    rss = [kib for _, kib in samples if kib]
    return {
        "rate": args.rate, "duration_s": round(elapsed, 1), "requests": sent, "answered": len(latencies),
        "errors": sum(errors.values()), "errors_by": errors,
        "achieved_rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "p99_ms_by_endpoint": {k: round(percentile(v, 99) * 1000, 1) for k, v in by_kind.items() if v},
        "rss_start_kib": rss[0] if rss else None, "rss_end_kib": rss[-1] if rss else None,
        "rss_peak_kib": max(rss) if rss else None,
        "rss_end_over_start": round(rss[-1] / rss[0], 3) if rss else None,
        "rss_samples": [(round(t, 1), kib) for t, kib in samples],
    }


def warm_up(base: str, s: dict[str, list], seconds: float, seed: int) -> None:
    """Every endpoint a few times (search index fit, caches, imports) before RSS is read."""
    rng = random.Random(seed + 1)
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=120) as c:
        while True:
            for kind, _ in MIX:
                c.get(make_path(kind, rng, s))
            if time.monotonic() >= deadline:
                return


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", choices=["embedded", "neo4j"], default=os.environ.get("CITEGRAPH_STORE", "embedded"))
    ap.add_argument("--db", help="embedded store file (default: CITEGRAPH_DB)")
    ap.add_argument("--load", choices=[*CORPORA, "none"], default="none",
                    help="corpus to load with `citegraph run` when the store is empty")
    ap.add_argument("--load-timeout", type=float, default=3600)
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second (open loop)")
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    ap.add_argument("--max-requests", type=int, default=None, help="stop after this many (default rate*duration)")
    ap.add_argument("--concurrency", type=int, default=64, help="most requests in flight")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout (s)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up before measuring")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the report here too")
    args = ap.parse_args(argv)
    if args.max_requests is None:
        args.max_requests = int(args.rate * args.duration)
    if args.load != "none":
        load(args)
    server = Server(_env(args), workers=1)
    base = server.base
    try:
        server.wait_ready(300)
        s = sample(base, args.seed)
        warm_up(base, s, args.warmup, args.seed)
        report = asyncio.run(soak(base, server.pid, s, args))
        report["server_alive"] = server.proc.poll() is None
    finally:
        server_log = server.stop()
    report.update(store=args.store, corpus=args.load, papers=s["total"][0], load_1m=round(os.getloadavg()[0], 2))
    if "Traceback" in server_log:
        report["server_tracebacks"] = server_log.count("Traceback")
    text = json.dumps(report, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n")
    summary = {k: v for k, v in report.items() if k not in ("rss_samples", "p99_ms_by_endpoint")}
    print(json.dumps(summary, indent=2))
    ok = report["errors"] == 0 and report["server_alive"] and not report.get("server_tracebacks")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
