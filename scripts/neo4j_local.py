#!/usr/bin/env python3
"""Thin wrapper: the local Neo4j manager lives in the package (``api/neo4j_local``).

Works with any ``python3`` >= 3.9 from a checkout, with or without citegraph or the
``neo4j`` driver installed: it imports the manager from this checkout, never from
``scripts/`` (issue 21: a ``scripts/neo4j/`` folder used to shadow the driver).
Usage: python3 scripts/neo4j_local.py {install|start [--print-env]|wait|status|stop}
"""

import sys
from pathlib import Path

_SCRIPTS = Path(__file__).resolve().parent
# Python puts this script's folder first on sys.path; nothing in it may shadow a package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _SCRIPTS]
sys.path.insert(0, str(_SCRIPTS.parent))

from api.neo4j_local.manager import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
