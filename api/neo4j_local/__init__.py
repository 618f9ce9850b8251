"""The managed local Neo4j Community server (``citegraph neo4j``, ``scripts/neo4j-local``).

Stdlib only, so that any ``python3`` can run it from a checkout; see ``manager``.
"""

from .bulk import bulk_import
from .manager import (
    Neo4jLocalError,
    Settings,
    install,
    is_assembled,
    main,
    pinned_version,
    start,
    status,
    stop,
    wait,
)

__all__ = ["bulk_import", "Neo4jLocalError", "Settings", "install", "is_assembled", "main", "pinned_version",
           "start", "status", "stop", "wait"]
