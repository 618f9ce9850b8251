"""Build engines other than the in-process one (issue 26 item 3).

:mod:`graph.engine.dask_build` computes the derived edges of ``citegraph build``
on Dask distributed (a LocalCluster, or a cluster by its scheduler's URL) in
tasks over row blocks (:mod:`graph.engine.blocks`), with Parquet in a work
directory between them (:mod:`graph.engine.parquet`). The result is the
:class:`graph.models.DerivedGraph` of :func:`graph.edges.build_derived`, written
by the same path. Nothing here imports Dask until a build asks for it.
"""

__all__: list[str] = []
