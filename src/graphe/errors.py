"""The small error hierarchy of graphe, mapped once to CLI exit codes and HTTP statuses.

Library code raises these; ``cli`` turns them into an exit code and a readable message,
``api`` into an HTTP status and a short body. Nothing else catches broad exceptions.
"""

from __future__ import annotations


class GrapheError(Exception):
    """Base class. ``exit_code`` for the CLI, ``status`` for HTTP."""

    exit_code = 1
    status = 500


class DataError(GrapheError):
    """A data or ontology file cannot be read (malformed Turtle, missing file)."""

    exit_code = 2


class ValidationFailed(GrapheError):
    """SHACL or a cross-entity check found violations; ``report`` says which."""

    exit_code = 3

    def __init__(self, message: str, report: str = ""):
        super().__init__(message)
        self.report = report


class ReasoningFailed(GrapheError):
    """HermiT found the ontology and data inconsistent or a class unsatisfiable."""

    exit_code = 4


class ProvenanceError(GrapheError):
    """A quote is not at its offsets in the source annex."""

    exit_code = 5


class BadRequest(GrapheError):
    """The client sent something unusable: malformed SPARQL, a bad parameter."""

    exit_code = 6
    status = 400


class Refused(BadRequest):
    """The request is well-formed but not allowed here (Update, SERVICE, foreign FROM)."""


class QueryFailed(GrapheError):
    """The engine could not evaluate a well-formed query (HTTP 500, message kept short)."""


class EngineCrashed(GrapheError):
    """The worker evaluating this query died (stack, memory): only this query fails."""

    status = 500


class NotAcceptable(GrapheError):
    status = 406


class MethodNotAllowed(GrapheError):
    status = 405


class UriTooLong(GrapheError):
    status = 414


class UnsupportedMediaType(GrapheError):
    status = 415


class NotFound(GrapheError):
    status = 404


class PayloadTooLarge(GrapheError):
    status = 413


class QueryTimeout(GrapheError):
    """The query ran past its time limit and its worker was stopped."""

    exit_code = 7
    status = 503


class Busy(QueryTimeout):
    """Every worker stayed busy until the query's time limit: it never started."""


class MemoryExceeded(GrapheError):
    """The query needed more memory than its worker may take: it was stopped (the service
    goes on), like a query past its time limit."""

    exit_code = 7
    status = 503
