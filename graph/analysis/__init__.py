"""Analysis core: pure functions from the derived graph to communities and scores.

The store and CLI call :func:`analyze`; the pieces are public for reuse and
tests. Nothing here touches a store or the file system.
"""

from graph.analysis.centrality import betweenness, pagerank, participation, weighted_degree
from graph.analysis.communities import METHODS, communities, membership, modularity, renumber
from graph.analysis.engine import AUTO_IGRAPH_MIN_NODES, ENGINES, choose_engine
from graph.analysis.evaluate import citation_recovery, community_scores
from graph.analysis.hierarchy import SUBTOPIC_MIN_PAPERS, subtopics
from graph.analysis.labels import community_keywords, top_papers
from graph.analysis.layout import layout
from graph.analysis.steps import AnalyzeParams, analyze_graph
from graph.analysis.projection import DEFAULT_EDGES, DEFAULT_WEIGHTS, EDGE_TYPES, projection
from graph.analysis.resolution import AUTO_GRID, AUTO_KEEP, auto_resolution, best_of_restarts

__all__ = [
    "AnalyzeParams",
    "analyze_graph",
    "projection",
    "EDGE_TYPES",
    "DEFAULT_EDGES",
    "DEFAULT_WEIGHTS",
    "communities",
    "auto_resolution",
    "best_of_restarts",
    "AUTO_GRID",
    "AUTO_KEEP",
    "modularity",
    "membership",
    "renumber",
    "METHODS",
    "ENGINES",
    "AUTO_IGRAPH_MIN_NODES",
    "choose_engine",
    "weighted_degree",
    "pagerank",
    "betweenness",
    "participation",
    "community_keywords",
    "top_papers",
    "layout",
    "subtopics",
    "SUBTOPIC_MIN_PAPERS",
    "community_scores",
    "citation_recovery",
]
