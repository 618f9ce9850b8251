"""The Parquet files of a distributed build: the inputs the client writes and
the edges each task writes, as tables of plain columns (no pickles on disk).

A work directory holds ``input/`` (papers, citations) and one folder per edge
kind, each with one file per task, named so that sorting the names gives the
task order (``part-00003.parquet``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["write_table", "read_table", "read_parts", "part_path"]


def part_path(workdir: str | Path, kind: str, number: int) -> str:
    """``workdir/kind/part-NNNNN.parquet`` (the folder is made by the writer)."""
    return str(Path(workdir) / kind / f"part-{number:05d}.parquet")


def write_table(path: str | Path, columns: dict[str, Sequence | np.ndarray]) -> str:
    """Write ``columns`` (name -> values; a list of tuples becomes a list column)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name, values in columns.items():
        if isinstance(values, np.ndarray):
            arrays[name] = pa.array(values)
        elif values and isinstance(values[0], tuple):
            arrays[name] = pa.array([list(v) for v in values], type=pa.list_(pa.string()))
        else:
            arrays[name] = pa.array(list(values))
    pq.write_table(pa.table(arrays), str(path))
    return str(path)


def read_table(path: str | Path) -> dict[str, list | np.ndarray]:
    """The columns of one file: numbers as NumPy arrays, strings and lists as lists
    (lists as tuples)."""
    import pyarrow.parquet as pq
    import pyarrow.types as pat

    table = pq.read_table(str(path))
    out: dict[str, list | np.ndarray] = {}
    for name, column in zip(table.column_names, table.columns):
        if pat.is_list(column.type):
            out[name] = [tuple(v) for v in column.to_pylist()]
        elif pat.is_string(column.type) or pat.is_large_string(column.type) or pat.is_null(column.type):
            out[name] = column.to_pylist()
        else:
            out[name] = column.to_numpy()
    return out


def read_parts(paths: Sequence[str | Path]) -> dict[str, list | np.ndarray]:
    """The files of ``paths`` one after another, as one table (:func:`read_table`)."""
    tables = [read_table(p) for p in paths]
    if not tables:
        return {}
    out: dict[str, list | np.ndarray] = {}
    for name in tables[0]:
        parts = [t[name] for t in tables]
        if isinstance(parts[0], np.ndarray):
            out[name] = np.concatenate(parts)
        else:
            out[name] = [v for part in parts for v in part]
    return out
