"""Install what the test suite needs outside Python, before pytest starts.

- Neo4j Community jars (from Maven Central, via `citegraph neo4j install`),
  unless NEO4J_URI and NEO4J_PASSWORD point at a running server.
- Debian's Chromium and ChromeDriver for the browser tests (apt-get, as root).

Idempotent: does nothing that is already done. Exits non-zero with a clear
message when something cannot be installed: the tests must not silently skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def ensure_neo4j() -> None:
    if os.environ.get("NEO4J_URI") and os.environ.get("NEO4J_PASSWORD"):
        print(f"using the configured Neo4j at {os.environ['NEO4J_URI']}")
        return
    for tool in ("java", "mvn"):
        if not shutil.which(tool):
            sys.exit(f"setup: '{tool}' is not on PATH; the Neo4j tests need Java 17 and Maven "
                     "(or set NEO4J_URI and NEO4J_PASSWORD to a running Neo4j 5.26)")
    _run([sys.executable, "-m", "api.neo4j_local", "install"])


def ensure_chromium() -> None:
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("setup: the browser tests need Debian's chromium and chromium-driver: "
                 "run `sudo apt-get update && sudo apt-get install -y chromium chromium-driver`")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True, env=env)


def main() -> None:
    ensure_neo4j()
    if (ROOT / "tests" / "browser").exists():
        ensure_chromium()


if __name__ == "__main__":
    main()
