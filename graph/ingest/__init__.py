"""Input readers: files in, :class:`~graph.models.Paper` records and bad records out.

``iter_papers(path, format=None)`` reads listing pages, JSON lines, JSON, CSV,
BibTeX, and the exports OpenAlex works JSON, RIS, CSL-JSON, Crossref works
JSON, Web of Science plain text, Scopus and Lens CSV, PubMed XML, MEDLINE text,
arXiv OAI-PMH XML and Semantic Scholar JSON (detected from content; gzip ok); ``iter_citations(path)`` reads ``citing,cited`` edge
lists; ``iter_cited_by(path)`` the citing papers a paper file lists (Semantic
Scholar's ``citations``) as pairs too; ``deduplicate(papers)`` merges records of the same paper.
"""

from graph.ingest.citations import iter_citations
from graph.ingest.dedup import DedupResult, deduplicate
from graph.ingest.fields import normalize_reference, record_to_paper
from graph.ingest.io import FORMATS
from graph.ingest.readers import detect_format, iter_cited_by, iter_papers

__all__ = [
    "FORMATS",
    "iter_papers",
    "detect_format",
    "iter_citations",
    "iter_cited_by",
    "deduplicate",
    "DedupResult",
    "record_to_paper",
    "normalize_reference",
]
