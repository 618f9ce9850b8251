"""The ``citegraph`` command line (Typer). A thin adapter over :mod:`graph.jobs`.

Exit codes: 0 ok, 1 bad input, 2 usage / bad parameter, 3 store unavailable.
"""

from __future__ import annotations

import json
import logging
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from api import cli_neo4j, cli_server, cli_viz
from api.cli_common import (  # noqa: F401  (re-exported: tests and scripts use api.cli.settings etc.)
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_STORE,
    EXIT_USAGE,
    _err,
    check_serve_address,
    errors_to_exit_codes,
    open_store,
    progress_bar,
    settings,
    state,
)
from graph.config import Settings

app = typer.Typer(
    name="citegraph",
    help="Turn research papers into an explorable graph (similarity, keywords, citations, communities).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

class StoreKind(str, Enum):
    embedded = "embedded"
    neo4j = "neo4j"


class Similarity(str, Enum):
    tfidf = "tfidf"
    lsa = "lsa"
    embedding = "embedding"


class BuildEngine(str, Enum):
    local = "local"
    dask = "dask"


@app.callback()
def main_options(
    store: Optional[StoreKind] = typer.Option(None, "--store", help="Override CITEGRAPH_STORE."),
    db: Optional[Path] = typer.Option(None, "--db", help="Override CITEGRAPH_DB (embedded store file)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    state.store = store.value if store else None
    state.db = db
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        # The driver warns on every retry of a lost connection; the one line that
        # matters is our "Error: store unavailable" (exit 3) after the retries.
        logging.getLogger("neo4j").setLevel(logging.ERROR)


# --- ingest / build / analyze / run ----------------------------------------------


def _by_rule(report) -> str:
    """`` (doi 3, title 1)``: merges per identity rule (docs/identity.md), or ""."""
    used = [f"{rule} {n}" for rule, n in report.merges.items() if n]
    return f" ({', '.join(used)})" if used else ""


def _print_ingest(report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(
        f"ingested {report.records} records from {len(report.files)} file(s): "
        f"{report.papers_written} papers written, {report.duplicates} duplicates merged{_by_rule(report)}, "
        f"{report.citation_pairs} citation pairs ({report.citations_unknown} with an unknown citing paper), "
        f"{len(report.problems)} problem(s)"
    )
    if report.problems:
        _err(f"{len(report.problems)} bad record(s) skipped:")
        for line in report.problems[:200]:
            _err(f"  {line}")
        if len(report.problems) > 200:
            _err(f"  ... and {len(report.problems) - 200} more")


def _do_ingest(store, paths, citations, fmt, strict, batch_size):
    from graph.jobs import ingest as run_ingest

    with progress_bar() as progress:
        return run_ingest(store, paths, citations=citations, format=fmt, strict=strict,
                          batch_size=batch_size, progress=progress)


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(None, help="Paper files: .txt listing, .jsonl/.json, .csv, .bib (optionally .gz)."),
    citations: List[Path] = typer.Option([], "--citations", help="CSV of citing,cited ids (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Force the format: listing, jsonl, json, csv, bibtex, openalex, ris, csl, crossref, wos, scopus, lens, medline, pubmed, arxiv, s2, openalex_csv, jats."),
    strict: bool = typer.Option(False, "--strict", help="Write nothing if any record is bad (exit 1)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Read papers (and citation edge lists) into the store."""
    paths = paths or []
    if not paths and not citations:
        _err("Error: give at least one paper file or --citations FILE.")
        raise typer.Exit(EXIT_USAGE)
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        report = _do_ingest(store, paths, citations, fmt, strict, cfg.citegraph_batch_size)
    _print_ingest(report, as_json)


def _build_params(similarity: Similarity, k: int, min_score: Optional[float], keywords_k: int, min_shared: int,
                  coupling_k: int = 20, shares_k: Optional[int] = None):
    from graph.edges import BuildParams

    kwargs = dict(similarity=similarity.value, k=k, keywords_k=keywords_k, min_shared=min_shared,
                  coupling_k=coupling_k, shares_k=shares_k)
    if min_score is not None:
        kwargs["min_score"] = min_score
    return BuildParams(**kwargs)


def _do_build(store, params, batch_size, derive=None):
    from graph.jobs import build as run_build

    with progress_bar() as progress:
        return run_build(store, params, batch_size=batch_size, progress=progress, derive=derive)


def _engine(engine: BuildEngine, scheduler: Optional[str], workers: int, workdir: Optional[Path],
            partition_size: int):
    """The ``derive`` of ``build --engine``: None for the in-process build."""
    if engine is BuildEngine.local:
        return None
    from graph.engine.dask_build import DaskEngine, DaskOptions

    return DaskEngine(DaskOptions.from_env(scheduler=scheduler, workers=workers,
                                           workdir=str(workdir) if workdir else None,
                                           partition_size=partition_size))


_SIM = typer.Option(Similarity.tfidf, "--similarity", help="SIMILAR_TO method.")
_K = typer.Option(10, "--k", help="Similar neighbours kept per paper.")
_MIN_SCORE = typer.Option(None, "--min-score", help="Minimum similarity score (default: the method's).")
_KW = typer.Option(8, "--keywords", help="Keywords per paper.")
_SHARED = typer.Option(2, "--min-shared", help="Shared keywords needed for SHARES_KEYWORDS.")
_COUPLING_K = typer.Option(20, "--coupling-k", help="COUPLED / CO_CITED pairs kept per paper (0: build none).")
_SHARES_K = typer.Option(None, "--shares-k", help="SHARES_KEYWORDS kept per paper, strongest first (0: all; "
                         "default: all below 50,000 papers, 20 from there).")


@app.command()
def build(
    similarity: Similarity = _SIM,
    k: int = _K,
    min_score: Optional[float] = _MIN_SCORE,
    keywords_k: int = _KW,
    min_shared: int = _SHARED,
    coupling_k: int = _COUPLING_K,
    shares_k: Optional[int] = _SHARES_K,
    engine: BuildEngine = typer.Option(BuildEngine.local, "--engine",
                                       help="Where the edges are computed: in this process, or on Dask distributed."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler URL (default: "
                                            "$CITEGRAPH_DASK_SCHEDULER, else a local cluster)."),
    workers: int = typer.Option(2, "--workers", help="Worker processes of the local Dask cluster."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Directory of the Dask build's Parquet "
                                           "files, shared with the workers (default: a temporary one)."),
    partition_size: int = typer.Option(5000, "--partition-size", help="Rows per Dask task."),
) -> None:
    """Compute keywords, SIMILAR_TO, SHARES_KEYWORDS, CITES, COUPLED and CO_CITED; replaces derived edges."""
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        params = _build_params(similarity, k, min_score, keywords_k, min_shared, coupling_k, shares_k)
        derive = _engine(engine, scheduler, workers, workdir, partition_size)
        report = _do_build(store, params, cfg.citegraph_batch_size, derive)
    typer.echo(f"built in {report.seconds:.1f}s: " + _counts_line(report.counts))


def _analyze_params(edges, resolution, method, engine, seed, cold=False):
    from graph.analysis import AnalyzeParams

    kwargs = {"method": method, "engine": engine, "seed": seed, "warm": not cold}
    if resolution is not None:
        kwargs["resolution"] = resolution
    if edges:
        kwargs["edges"] = tuple(e.strip() for e in edges.split(",") if e.strip())
    return AnalyzeParams(**kwargs)


def _do_analyze(store, params, batch_size):
    from graph.jobs import analyze as run_analyze

    with progress_bar() as progress:
        return run_analyze(store, params, batch_size=batch_size, progress=progress)


def _do_build_analyze(store, build_params, analyze_params, batch_size):
    from graph.jobs import build_and_analyze

    with progress_bar() as progress:
        return build_and_analyze(store, build_params, analyze_params, batch_size=batch_size, progress=progress)


_EDGES = typer.Option(None, "--edges", help="Edge types to project, e.g. similar,keywords,cites.")
_RES = typer.Option(None, "--resolution", help="Modularity resolution (higher: more, smaller communities; default: chosen per graph).")
_METHOD = typer.Option("leiden", "--method", help="leiden, louvain, label_propagation or greedy_modularity.")
_ENGINE = typer.Option("auto", "--engine", help="auto, networkx or igraph.")
_SEED = typer.Option(42, "--seed", help="Random seed.")
_COLD = typer.Option(False, "--cold", help="Do not warm-start Leiden from the stored analysis's communities "
                     "(find them afresh, as a first run does).")


@app.command()
def analyze(
    edges: Optional[str] = _EDGES,
    resolution: Optional[float] = _RES,
    method: str = _METHOD,
    engine: str = _ENGINE,
    seed: int = _SEED,
    cold: bool = _COLD,
) -> None:
    """Communities, centrality, labels and bridges; written back to the store."""
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        params = _analyze_params(edges, resolution, method, engine, seed, cold)
        report = _do_analyze(store, params, cfg.citegraph_batch_size)
    typer.echo(f"analyzed in {report.seconds:.1f}s: {report.communities} communities, "
               f"modularity {report.modularity:.3f}")
    from graph.analysis.changelog import summary_line

    typer.echo("changes: " + summary_line(report.params.get("changes_summary") or {}))


@app.command()
def run(
    paths: List[Path] = typer.Argument(..., help="Paper files to ingest."),
    citations: List[Path] = typer.Option([], "--citations", help="CSV of citing,cited ids (repeatable)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    strict: bool = typer.Option(False, "--strict", help="Write nothing if any record is bad."),
    similarity: Similarity = _SIM,
    k: int = _K,
    min_score: Optional[float] = _MIN_SCORE,
    keywords_k: int = _KW,
    min_shared: int = _SHARED,
    coupling_k: int = _COUPLING_K,
    shares_k: Optional[int] = _SHARES_K,
    edges: Optional[str] = _EDGES,
    resolution: Optional[float] = _RES,
    method: str = _METHOD,
    engine: str = _ENGINE,
    seed: int = _SEED,
    cold: bool = _COLD,
    bulk: bool = typer.Option(False, "--bulk", help="Into an empty Neo4j: load through neo4j-admin import "
                              "(stops and restarts the managed local server; see api/bulk.py)."),
) -> None:
    """ingest + build + analyze in one go."""
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        build_params = _build_params(similarity, k, min_score, keywords_k, min_shared, coupling_k, shares_k)
        analyze_params = _analyze_params(edges, resolution, method, engine, seed, cold)
        from graph.jobs import run as run_all

        if bulk:
            from functools import partial

            from api.bulk import local_importer
            from graph.bulk import run_bulk

            run_all = partial(run_bulk, importer=local_importer(cfg))

        with progress_bar() as progress:
            report, built, analyzed = run_all(store, paths, citations=citations, format=fmt, strict=strict,
                                              build_params=build_params, analyze_params=analyze_params,
                                              batch_size=cfg.citegraph_batch_size, progress=progress)
        _print_ingest(report, False)
        typer.echo(f"built in {built.seconds:.1f}s: " + _counts_line(built.counts))
        typer.echo(f"analyzed in {analyzed.seconds:.1f}s: {analyzed.communities} communities, "
                   f"modularity {analyzed.modularity:.3f}")


@app.command()
def evaluate(
    labels: Optional[str] = typer.Option("label", "--labels", help="Paper field holding ground-truth classes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    holdout: Optional[float] = typer.Option(None, "--holdout", help="Hide this share of CITES and score "
                                            "'related' top 10 against it (issue 23), e.g. 0.2."),
    seed: int = typer.Option(0, "--seed", help="Seed of the hidden share."),
    weights: Optional[str] = typer.Option(None, "--weights", help="Fused weights, e.g. 'similar:1,coupled:0.5'."),
) -> None:
    """Score communities against a label field (NMI, ARI) and SIMILAR_TO against CITES;
    with --holdout, how well 'related' finds held-out citations."""
    from graph.jobs import evaluate as run_evaluate

    cfg = settings()
    if holdout is not None:
        from api.cli_holdout import print_holdout

        print_holdout(cfg, holdout=holdout, seed=seed, weights=weights, as_json=as_json)
        return
    with errors_to_exit_codes(), open_store(cfg) as store:
        result = run_evaluate(store, labels=labels)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"citegraph evaluate ({result['papers']} papers)")
    for col in ("measure", "value", "over"):
        table.add_column(col)
    comm = result.get("communities")
    if comm:
        over = f"{comm['n']} labelled papers, {comm['labels']} labels, {comm['communities']} communities"
        table.add_row(f"NMI vs {comm['field']}", f"{comm['nmi']:.3f}", over)
        table.add_row(f"ARI vs {comm['field']}", f"{comm['ari']:.3f}", over)
    cites = result.get("similar_vs_cites")
    if cites:
        over = f"{cites['similar_pairs']} similar pairs, {cites['citation_pairs']} citation pairs"
        table.add_row("SIMILAR_TO precision vs CITES", f"{cites['precision']:.3f}", over)
        table.add_row("SIMILAR_TO recall vs CITES", f"{cites['recall']:.3f}", over)
    if not comm and not cites:
        _err("Nothing to evaluate: no paper has the label field and there are no CITES edges.")
        raise typer.Exit(EXIT_BAD_INPUT)
    Console().print(table)


# --- stats ---------------------------------------------------------------------


def _counts_line(counts: dict) -> str:
    keys = ["papers", "keywords", "communities", "HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "IN_COMMUNITY",
            "COUPLED", "CO_CITED"]
    return ", ".join(f"{counts.get(k, 0)} {k}" for k in keys)


def stats_dict(store, *, with_runs: bool) -> dict:
    """``GET /stats``'s body (:func:`api.shaping.stats_body`); without ``runs`` unless
    asked, and without ``incomplete`` when the last build completed."""
    from api.shaping import stats_body

    out = stats_body(store, store.counts(), store.runs(limit=10) if with_runs else (),
                     store.build_in_progress()).model_dump()
    if not with_runs:
        del out["runs"]
    if out["incomplete"] is None:
        del out["incomplete"]
    return out


@app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable counts."),
    runs: bool = typer.Option(False, "--runs", help="Also the recorded build/analyze runs (parameters, times)."),
) -> None:
    """Counts of papers, keywords, communities and each edge type (--runs: the recorded runs too)."""
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        data = stats_dict(store, with_runs=runs)
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=False, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"citegraph ({data['store']} store)")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("papers", "keywords", "communities", "references"):
        table.add_row(key, str(data[key]))
    for key, value in data["edges"].items():
        table.add_row(key, str(value))
    console.print(table)
    if data.get("incomplete"):
        console.print(f"[bold red]Incomplete:[/bold red] {data['incomplete']}", soft_wrap=True)
    for r in data.get("runs", [])[:4]:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items() if not isinstance(v, (dict, list)))
        console.print(f"[bold]{r['kind']}[/bold] {r['started_at']} {r['seconds']:.2f}s  {params}", soft_wrap=True)


# --- demo ----------------------------------------------------------------------


def sample_files() -> list[Path]:
    """The bundled sample corpus (five paper-listing pages, 440 papers)."""
    from importlib import resources

    folder = resources.files("graph.sample")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


@app.command()
def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API and pages afterwards."),
    host: Optional[str] = typer.Option(None, "--host", help="Bind address (default CITEGRAPH_HOST)."),
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535,
                                       help="Port (default CITEGRAPH_PORT, 8000)."),
    store: Optional[StoreKind] = typer.Option(
        None, "--store",
        help="embedded (default, ./citegraph.db) or neo4j: starts the managed local Neo4j "
             "(citegraph neo4j start) unless NEO4J_URI/NEO4J_PASSWORD are set, so /cypher "
             "and citegraph query work."),
) -> None:
    """The bundled sample corpus: ingest, build, analyze, then serve (``--store neo4j`` for Cypher)."""
    state.store = (store.value if store else None) or state.store or "embedded"
    if serve:  # before minutes of building: is the port free?
        host, port = check_serve_address(host, port)
    api_key = None
    if state.store == "neo4j":
        cli_neo4j.ensure_local_neo4j()
        api_key = cli_neo4j.demo_api_key()
    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store_:
        report = _do_ingest(store_, sample_files(), [], None, False, cfg.citegraph_batch_size)
        _print_ingest(report, False)
        built, analyzed = _do_build_analyze(store_, None, None, cfg.citegraph_batch_size)
        typer.echo(f"built in {built.seconds:.1f}s: " + _counts_line(built.counts))
        typer.echo(f"analyzed in {analyzed.seconds:.1f}s: {analyzed.communities} communities, "
                   f"modularity {analyzed.modularity:.3f}")
        data = stats_dict(store_, with_runs=False)
    typer.echo(json.dumps(data, indent=2))
    base_url = f"http://{host or cfg.citegraph_host}:{port or cfg.citegraph_port}"
    if api_key is not None:
        cli_neo4j.print_neo4j_demo_settings(base_url, api_key)
    if serve:
        typer.echo(f"Serving on {base_url} (pages at {base_url}/viz, API docs at {base_url}/docs)")
        _serve(cfg, host, port)


def _serve(cfg: Settings, host: Optional[str], port: Optional[int]) -> None:
    import uvicorn

    from api.app import create_app

    cli_server.echo_urls(host or cfg.citegraph_host, port or cfg.citegraph_port)
    uvicorn.run(create_app(cfg), host=host or cfg.citegraph_host, port=port or cfg.citegraph_port)


def main() -> None:
    app()


def _register_command_modules() -> None:
    """Commands that live in their own modules add themselves to ``app``."""
    cli_server.register(app)
    cli_viz.register(app)
    cli_neo4j.register(app)
    from api import cli_fetch  # fetch openalex|semanticscholar
    cli_fetch.register(app)


_register_command_modules()

