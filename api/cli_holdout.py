"""``citegraph evaluate --holdout``: the printed table of the held-out
citation protocol (issue 23, :func:`graph.jobs.evaluate_holdout`)."""

from __future__ import annotations

import json

import typer

from graph.config import Settings

__all__ = ["print_holdout"]


def print_holdout(cfg: Settings, *, holdout: float, seed: int, weights: str | None, as_json: bool) -> None:
    from api.cli_common import errors_to_exit_codes, open_store
    from graph.jobs import evaluate_holdout
    from graph.related import parse_weights

    with errors_to_exit_codes():
        w = parse_weights(weights, where="evaluate")
        with open_store(cfg) as store:
            report = evaluate_holdout(store, share=holdout, seed=seed, weights=w)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"citegraph evaluate --holdout {holdout} --seed {seed}: {report['hidden']} of "
                        f"{report['citations']} CITES hidden, 'related' top {report['k']}")
    for col in ("ranking", "precision", "precision (all papers)", "recall", "found / hidden", "weights"):
        table.add_column(col)
    for label, res in report["results"].items():
        shown = ", ".join(f"{k}:{v:g}" for k, v in res["weights"].items() if v)
        table.add_row(label, f"{res['precision']:.3f}", f"{res.get('precision_all', 0.0):.3f}",
                      f"{res['recall']:.3f}", f"{res['found']} / {res['hidden']}", shown)
    Console().print(table)
