"""GET /export?format=graphml|gexf|json|csv|vosviewer: the whole graph as one file.

The names are the CLI's (``citegraph export --format``); ``csv`` is a zip of
``nodes.csv`` and ``edges.csv`` here, where the CLI writes the two files to a folder.

Communities, scores and layout positions are node attributes (see
:mod:`viz.export`); the snapshot is shared with the viz pages' cache.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from api.deps import ServiceDep, errors
from api.page_cache import snapshot

__all__ = ["router"]

router = APIRouter(tags=["export"])

ExportFormat = Literal["graphml", "gexf", "json", "csv", "vosviewer"]


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"application/graphml+xml": {}, "application/gexf+xml": {},
                                 "application/json": {}, "application/zip": {}},
                     "description": "The graph file (an attachment)."}, **errors()},
)
def export(
    request: Request,
    service: ServiceDep,
    format: Annotated[ExportFormat, Query(description=(
        "graphml (Gephi, Cytoscape, yEd), gexf (Gephi), json (NetworkX node-link), "
        "csv (a zip of nodes.csv and edges.csv) or vosviewer (a VOSviewer JSON map)."))]
    = "graphml",
) -> Response:
    """Every paper and relationship with communities, scores and positions as
    attributes; opens in Gephi, Cytoscape, NetworkX (and VOSviewer)."""
    from viz.export import MEDIA_TYPES, default_name, iter_export

    data = snapshot(request, service)  # read (and errors raised) before the response starts
    return StreamingResponse(iter_export(data, format), media_type=MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{default_name(format)}"'})
