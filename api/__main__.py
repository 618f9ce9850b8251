"""``python -m api`` runs the citegraph CLI (same as the ``citegraph`` script)."""

from api.cli import main

main()
