"""``python -m api.neo4j_local {install|start|wait|status|stop}``."""

import sys

from .manager import main

sys.exit(main(prog="python -m api.neo4j_local"))
