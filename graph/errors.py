"""The one exception tree of citegraph.

Each class also subclasses the matching builtin, so callers that only know
Python's exceptions still catch them. The CLI maps them to exit codes and the
API to HTTP statuses, each in one place.
"""

from __future__ import annotations

__all__ = [
    "CitegraphError",
    "BadInput",
    "UnreadableFile",
    "BadRecord",
    "StrictModeError",
    "InvalidParameter",
    "NotFound",
    "PaperNotFound",
    "CommunityNotFound",
    "KeywordNotFound",
    "AuthorNotFound",
    "StoreUnavailable",
    "NotSupported",
    "QueryRefused",
    "QueryTimeout",
    "FetchFailed",
    "param_error",
]


class CitegraphError(Exception):
    """Base class of every error citegraph raises on purpose."""


class BadInput(CitegraphError, ValueError):
    """Input that cannot be used (CLI exit code 1)."""


class UnreadableFile(BadInput):
    """A whole file cannot be read: missing, not UTF-8, unknown format, empty."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class BadRecord(BadInput):
    """One record of a file is unusable; it is skipped and reported."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


class StrictModeError(BadInput):
    """``--strict`` was given and at least one record is bad; nothing was written."""


class InvalidParameter(CitegraphError, ValueError):
    """A parameter is out of its domain (HTTP 422, CLI exit code 2)."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


def param_error(name: str, where: str, expected: str, got: object) -> InvalidParameter:
    """Build the one parameter-error message form.

    >>> str(param_error("k", "build", "an int in [1, 200]", 0))
    "The 'k' parameter of build must be an int in [1, 200]. Got 0 instead."
    """
    return InvalidParameter(
        f"The {name!r} parameter of {where} must be {expected}. Got {got!r} instead.",
        name=name,
    )


class NotFound(CitegraphError, LookupError):
    """Something asked for by id does not exist (HTTP 404)."""


class PaperNotFound(NotFound):
    def __init__(self, paper_id: str) -> None:
        super().__init__(f"No paper with id {paper_id!r}.")
        self.paper_id = paper_id


class CommunityNotFound(NotFound):
    def __init__(self, community_id: object) -> None:
        super().__init__(f"No community with id {community_id!r}.")
        self.community_id = community_id


class KeywordNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"No keyword {name!r}.")
        self.name = name


class AuthorNotFound(NotFound):
    def __init__(self, author_id: str) -> None:
        super().__init__(f"No author with id {author_id!r}.")
        self.author_id = author_id


class StoreUnavailable(CitegraphError, ConnectionError):
    """The store cannot be reached (HTTP 503, CLI exit code 3)."""


class EngineUnavailable(CitegraphError, ConnectionError):
    """The build engine's cluster cannot be reached or started (``build --engine dask``)."""


class NotSupported(CitegraphError, NotImplementedError):
    """The operation does not exist on this store (HTTP 501)."""


class QueryRefused(CitegraphError, PermissionError):
    """A read-only query tried to write or call an admin procedure (HTTP 400)."""


class QueryTimeout(CitegraphError, TimeoutError):
    """A query ran past its time limit and was cut off (HTTP 408)."""


class FetchFailed(CitegraphError, ConnectionError):
    """A remote source (OpenAlex, Semantic Scholar) kept failing after every retry,
    or answered something that is not what its API documents (CLI exit code 1)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
