"""Helpers of the API tests (no tests here): a tiny hand-made graph, clients,
a store that fails on demand, and a TCP proxy that takes a real Neo4j away.

The graph (ids with '/' on purpose, like arXiv ids)::

    A=hep-th/0001 --similar .62, keywords .6, cited_by (B cites A)-- B=hep-th/0002
    B --similar .12-- D=hep-th/0004        C=hep-th/0003 cites B
    C --similar .41, keywords .5-- D       D cites C
    E=cs/0005 --similar .33, keywords .5, cited_by (F cites E)-- F=cs/0006
    G=misc/0007 alone

Communities: 0 = {A, B, C, D}, 1 = {E, F}; G has none.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Iterator

from fastapi.testclient import TestClient

from api.app import create_app
from graph.config import Settings
from graph.errors import StoreUnavailable
from graph.models import (
    AnalysisResult,
    CitationEdge,
    Community,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    PaperScores,
    RunRecord,
    SharedKeywordsEdge,
    SimilarEdge,
)
from graph.stores.sqlite import SQLiteStore

API_KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}

A, B, C, D, E, F, G = ("hep-th/0001", "hep-th/0002", "hep-th/0003", "hep-th/0004", "cs/0005", "cs/0006",
                       "misc/0007")

PAPERS = (
    Paper(id=A, title="Black hole entropy in string theory",
          abstract="We count microstates of extremal black holes with D-branes.", year=1996,
          authors=("A. Strominger", "C. Vafa"), references=(B,)),
    Paper(id=B, title="Black hole microstates and D-branes",
          abstract="D-brane bound states reproduce the black hole entropy.", year=1997, references=(A,)),
    Paper(id=C, title="AdS/CFT correspondence and holography",
          abstract="Holographic duality relates gravity in anti de Sitter space to conformal field theory.",
          year=1998, references=(B,)),
    Paper(id=D, title="Holographic entanglement entropy",
          abstract="Entanglement entropy in conformal field theory from minimal surfaces in AdS.", year=2006,
          references=(C,)),
    Paper(id=E, title="Graph neural networks for citation analysis",
          abstract="Neural networks on graphs classify papers by their citations.", year=2019),
    Paper(id=F, title="Community detection in citation graphs",
          abstract="Modularity based community detection finds clusters of papers.", year=2020, references=(E,)),
    Paper(id=G, title="Lonely paper on pottery", abstract="Ancient ceramic glazing techniques.", year=1950),
)

DERIVED = DerivedGraph(
    keywords=(
        Keyword("black hole", 2), Keyword("d-brane", 2), Keyword("entropy", 3), Keyword("holography", 2),
        Keyword("conformal field theory", 2), Keyword("citation", 2), Keyword("graph", 2),
        Keyword("community detection", 1), Keyword("pottery", 1),
    ),
    has_keyword=(
        KeywordScore(A, "black hole", 0.9), KeywordScore(A, "d-brane", 0.7), KeywordScore(A, "entropy", 0.5),
        KeywordScore(B, "black hole", 0.8), KeywordScore(B, "d-brane", 0.8), KeywordScore(B, "entropy", 0.4),
        KeywordScore(C, "holography", 0.9), KeywordScore(C, "conformal field theory", 0.6),
        KeywordScore(D, "holography", 0.7), KeywordScore(D, "conformal field theory", 0.5),
        KeywordScore(D, "entropy", 0.6),
        KeywordScore(E, "graph", 0.9), KeywordScore(E, "citation", 0.8),
        KeywordScore(F, "graph", 0.5), KeywordScore(F, "citation", 0.6),
        KeywordScore(F, "community detection", 0.9),
        KeywordScore(G, "pottery", 1.0),
    ),
    similar=(
        SimilarEdge(A, B, 0.62, ("black hole", "d-brane", "entropy")),
        SimilarEdge(B, D, 0.12, ("entropy",)),
        SimilarEdge(C, D, 0.41, ("conformal field theory", "ads")),
        SimilarEdge(E, F, 0.33, ("citation", "graph")),
    ),
    shares_keywords=(
        SharedKeywordsEdge(A, B, 3, 0.6, ("black hole", "d-brane", "entropy")),
        SharedKeywordsEdge(C, D, 2, 0.5, ("conformal field theory", "holography")),
        SharedKeywordsEdge(E, F, 2, 0.5, ("citation", "graph")),
    ),
    cites=(CitationEdge(B, A), CitationEdge(C, B), CitationEdge(D, C), CitationEdge(F, E)),
)

COMMUNITIES = (
    Community(0, 4, "black hole, entropy, holography", ("black hole", "entropy", "holography"), 0.41,
              (A, B, D, C)),
    Community(1, 2, "citation, graph", ("citation", "graph"), 0.41, (E, F)),
)

#: pagerank is the ranking every test checks: A > B > D > C > E > F > G.
SCORES = (
    PaperScores(A, 0, 3.0, 0.25, 0.1, 0.0),
    PaperScores(B, 0, 4.0, 0.20, 0.6, 0.2),
    PaperScores(C, 0, 3.0, 0.12, 0.3, 0.1),
    PaperScores(D, 0, 3.0, 0.15, 0.2, 0.3),
    PaperScores(E, 1, 2.0, 0.11, 0.0, 0.0),
    PaperScores(F, 1, 2.0, 0.10, 0.0, 0.0),
    PaperScores(G, None, 0.0, 0.07, 0.0, 0.0),
)

RUN = RunRecord(kind="build", started_at="2024-01-01T00:00:00+00:00", seconds=0.5,
                params={"k": 10}, counts={"papers": 7}, versions={"python": "3.11"})


def load_tiny_graph(store) -> None:
    """Write the hand-made graph into an opened, empty store."""
    store.upsert_papers(PAPERS)
    store.replace_derived(DERIVED)
    store.write_analysis(AnalysisResult(COMMUNITIES, SCORES, 0.41, {"method": "hand-made"}))
    store.record_run(RUN)


def settings(**overrides) -> Settings:
    """Settings for tests: no .env, an API key unless overridden."""
    values = {"citegraph_api_key": API_KEY, "citegraph_store": "embedded"}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextlib.contextmanager
def client_for(store, **overrides) -> Iterator[TestClient]:
    """A TestClient (lifespan running) over ``store``, which the caller owns."""
    app = create_app(settings(**overrides), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape, with the status repeated inside it."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"status", "code", "message", "detail"}
    if code is not None:
        assert error["code"] == code, error
    return error


class SwitchableStore(SQLiteStore):
    """A real SQLite store whose backend can be switched off: while ``down`` every
    read raises StoreUnavailable, as a store whose server went away does."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise StoreUnavailable("backend switched off for the test (host db.internal:5432)")

    def ping(self) -> None:
        self._check()
        super().ping()

    def counts(self):
        self._check()
        return super().counts()

    def get_paper(self, paper_id):
        self._check()
        return super().get_paper(paper_id)

    def list_papers(self, **kwargs):
        self._check()
        return super().list_papers(**kwargs)


class BrokenStore(SQLiteStore):
    """A store with a bug: ``get_paper`` raises an unexpected exception."""

    def get_paper(self, paper_id):
        raise RuntimeError("secret internal detail: /srv/citegraph/db password=hunter2")


class TcpProxy:
    """A loopback TCP forwarder to a real server, that can be stopped and started
    again on the same port: the server "goes away" and "comes back"."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
