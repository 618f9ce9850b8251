"""The importer ``citegraph run --bulk`` uses: the managed local Neo4j's
``neo4j-admin database import`` (:func:`api.neo4j_local.bulk_import`).

Only a server this process can stop and start is bulk-loaded: the one of
``citegraph neo4j`` (``NEO4J_LOCAL_HOME``/``NEO4J_LOCAL_PORT``), reached at the
``NEO4J_URI`` the settings name. For another server (Docker, a cluster), write
the CSV files with :func:`graph.stores.neo4j_bulk.write_csv` and run
``neo4j-admin database import full`` there.
"""

from __future__ import annotations

from typing import Sequence
from urllib.parse import urlparse

from graph.config import Settings
from graph.errors import NotSupported, StoreUnavailable
from graph.stores.neo4j_bulk import Importer

__all__ = ["LocalImporter", "local_importer"]


def local_importer(cfg: Settings) -> Importer:
    """The importer of the managed local server that ``cfg.neo4j_uri`` names (an
    :class:`~graph.stores.neo4j_bulk.OfflineImporter`: ``run --bulk`` has the
    server shut down while it builds).

    Raises :class:`NotSupported` when the store is not Neo4j or the URI names
    another server than the managed local one.
    """
    from api import neo4j_local

    if cfg.citegraph_store != "neo4j":
        raise NotSupported("--bulk loads into Neo4j only: set CITEGRAPH_STORE=neo4j.")
    local = neo4j_local.Settings()
    uri = urlparse(cfg.neo4j_uri)
    if uri.hostname not in ("127.0.0.1", "localhost") or uri.port != local.port:
        raise NotSupported(
            f"--bulk stops and restarts the server: it needs the managed local Neo4j (citegraph neo4j, "
            f"port {local.port} from NEO4J_LOCAL_PORT), and NEO4J_URI is {cfg.neo4j_uri}.")
    return LocalImporter()


class LocalImporter:
    """``neo4j-admin database import full`` on the managed local server: stop it
    (now, or at the import), import, start it again."""

    def __init__(self) -> None:
        self._stop_asked = False  # a SIGTERM sent that no one has waited for yet

    def __call__(self, args: Sequence[str]) -> None:
        from api import neo4j_local

        self._stop_asked = False  # bulk_import waits for the stop and starts the server after
        try:
            neo4j_local.bulk_import(args)
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreUnavailable(f"the bulk import into the local Neo4j failed: {exc}") from None

    def stop(self) -> None:
        """SIGTERM the server and return: it shuts down while the build runs, and
        :func:`~api.neo4j_local.bulk_import` waits for it to be gone."""
        from api import neo4j_local

        try:
            self._stop_asked = neo4j_local.stop(wait=False)
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreUnavailable(f"the local Neo4j did not stop for the bulk import: {exc}") from None

    def start(self) -> None:
        from api import neo4j_local

        try:
            if self._stop_asked:  # the stop asked for ends first; a running server is left running
                neo4j_local.stop()
                self._stop_asked = False
            neo4j_local.start()
        except neo4j_local.Neo4jLocalError as exc:
            raise StoreUnavailable(f"the local Neo4j did not start again: {exc}") from None
