"""The small values ``/sparql``'s protocol works on: one request (:class:`Req`), one reply (:class:`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphe.negotiation import Negotiated


@dataclass
class Req:
    """What the protocol needs of an HTTP request."""

    method: str
    path: str
    params: list[tuple[str, str]]  # the query string, in order, repeated names kept
    headers: dict[str, str]  # lower-case names
    url: str  # scheme://host/path, for the service description
    body: bytes = b""
    #: The answer's format, decided once for the request (a form POST renews it with its body's format=).
    negotiated: Negotiated = field(default=None)

    def __post_init__(self) -> None:
        if self.negotiated is None:
            self.negotiated = Negotiated(self.headers.get("accept"), self.get("format"), pages=False)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzipped: bytes | None = None  # the body already compressed (from the cache)
