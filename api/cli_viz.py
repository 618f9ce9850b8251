"""``citegraph viz --out DIR`` and ``citegraph export --format F --out PATH``.

Registered on the main Typer app by :func:`api.cli._register_command_modules`.
Thin: :func:`viz.pages.write_site` and :func:`viz.export.write_export` do the work.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

__all__ = ["register"]


class ExportFormat(str, Enum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"
    vosviewer = "vosviewer"


def viz(
    out: Path = typer.Option(..., "--out", help="Folder for the static site (created; index.html is the overview)."),
    paper_pages: Optional[int] = typer.Option(None, "--paper-pages", min=0,
                                              help="Data for the top papers by PageRank, at most this many "
                                                   "(default: every paper; one paper.html shows any of them)."),
    node_budget: int = typer.Option(2000, "--node-budget", min=1,
                                    help="Draw papers one by one up to this many; above it, a map of communities."),
    inline: bool = typer.Option(False, "--inline/--shared-assets",
                                help="Inline vis-network in every page (single-file pages, ~700 kB each)."),
) -> None:
    """Write the viz pages as a static site that works offline (open OUT/index.html)."""
    from api.cli_common import errors_to_exit_codes, open_store, progress_bar, settings
    from viz.pages import write_site

    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store, progress_bar() as progress:
        report = write_site(store, out, node_budget=node_budget, max_paper_pages=paper_pages,
                            inline_assets=inline, progress=progress)
    typer.echo(f"wrote {report.pages} pages ({report.communities} communities, {report.papers} papers, "
               f"{report.bytes / 1e6:.1f} MB) in {report.seconds:.1f}s: open {out / 'index.html'}")
    if report.skipped_papers:
        typer.echo(f"{report.skipped_papers} papers have no page of their own (raise --paper-pages to add them).")


def export(
    fmt: ExportFormat = typer.Option(
        ..., "--format",
        help="graphml (Gephi, Cytoscape, yEd), gexf (Gephi), json (NetworkX node-link), "
             "csv (two tables, nodes.csv and edges.csv, for spreadsheets and pandas; not VOSviewer's format), "
             "vosviewer (a VOSviewer JSON map)."),
    out: Path = typer.Option(..., "--out", help="File to write (for csv: a folder for nodes.csv and edges.csv)."),
) -> None:
    """Export the graph with communities, scores and layout positions as attributes."""
    from api.cli_common import errors_to_exit_codes, open_store, settings
    from viz.data import GraphSnapshot
    from viz.export import write_export

    cfg = settings()
    with errors_to_exit_codes(), open_store(cfg) as store:
        snapshot = GraphSnapshot.load(store)
        written = write_export(snapshot, fmt.value, out)
    n_edges = len(snapshot.index) + len(snapshot.biblio.coupled) + len(snapshot.biblio.co_cited)
    typer.echo(f"exported {len(snapshot.papers)} papers and {n_edges} edges as {fmt.value}: "
               + ", ".join(str(p) for p in written))


def register(app: typer.Typer) -> None:
    """Add ``viz`` and ``export`` to the ``citegraph`` command."""
    app.command("viz")(viz)
    app.command("export")(export)
