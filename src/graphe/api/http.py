"""HTTP helpers shared by the routers: error bodies, ETags, the answer cache, size limits.

Errors are short: a JSON object ``{"error": message, "status": code}`` for clients that ask
for JSON, one line of text otherwise; never a traceback. ETags name the dataset version and
the request (not the bytes), so a matching ``If-None-Match`` is answered ``304`` without
running anything.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from graphe.negotiation import ERROR_JSON, Negotiated


def error_body(status: int, message: str, negotiated: Negotiated) -> tuple[bytes, str]:
    """A short error body and its media type, in the format the request's negotiation chose."""
    if negotiated.error is ERROR_JSON:
        body = json.dumps({"error": message, "status": status}, ensure_ascii=False).encode()
        return body, "application/json"
    return (message + "\n").encode(), "text/plain; charset=utf-8"


def error_response(status: int, message: str, negotiated: Negotiated, headers: dict | None = None) -> Response:
    body, media_type = error_body(status, message, negotiated)
    return Response(body, status, headers=headers, media_type=media_type)


def request_headers(scope) -> dict[str, str]:
    """The request's headers by lower-case name (a repeated one joined by commas)."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def etag_for(version: str, *parts: object) -> str:
    """A weak ETag for a request against a dataset version (weak: gzip changes the bytes)."""
    text = "\x00".join([version, *map(repr, parts)]) if parts else version
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def validators(etag: str, max_age: int | None) -> dict[str, str]:
    """The headers every cacheable answer carries, so every route revalidates the same way.

    ``max_age=None`` asks caches to revalidate each time (a page whose file may change).
    """
    control = "no-cache" if max_age is None else f"public, max-age={max_age}"
    return {"ETag": etag, "Cache-Control": control, "Vary": "Accept"}


def not_modified(request_headers, etag: str) -> bool:
    """Whether the client already holds this answer: a ``304`` ends the request."""
    return matches(request_headers.get("if-none-match"), etag)


def matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): does ``If-None-Match`` name ``etag``?"""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


@dataclass
class Cached:
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]
    gzipped: bytes | None = None


class AnswerCache:
    """Answers by ETag, least recently used out first, bounded in bytes (0: off).

    The dataset never changes while the server runs, so an answer stays right as long as it is
    kept; the cache only spares the engines repeated work (the page's examples, dashboards).
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._items: OrderedDict[str, Cached] = OrderedDict()

    def get(self, key: str) -> Cached | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            self.hits += 1
        return item

    def add_gzip(self, key: str, gzipped: bytes) -> None:
        """Keep the compressed body beside a cached answer (compressed once, sent many times)."""
        item = self._items.get(key)
        if item is not None and item.gzipped is None:
            item.gzipped = gzipped
            self.size += len(gzipped)

    def put(self, key: str, item: Cached) -> None:
        cost = _cost(item)
        if cost > self.max_bytes // 8:  # one answer never takes more than an eighth
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= _cost(old)
        self._items[key] = item
        self.size += cost
        while self.size > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self.size -= _cost(dropped)


class LimitsMiddleware:
    """414 for an over-long URL, 413 for a declared over-large body, before any route runs."""

    def __init__(self, app: ASGIApp, max_url: int, max_body: int):
        self.app = app
        self.max_url = max_url
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            url = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
            if url > self.max_url:
                message = f"adresse trop longue : {url} octets (maximum {self.max_url}) ; envoyez la requête par POST."
                await _send_error(scope, receive, send, 414, message)
                return
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        await _send_error(scope, receive, send, 400, "en-tête Content-Length invalide.")
                        return
                    if length > self.max_body:
                        message = f"corps de requête trop gros : {length} octets (maximum {self.max_body})."
                        await _send_error(scope, receive, send, 413, message)
                        return
        await self.app(scope, receive, send)


async def _send_error(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    accept = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"accept"), None)
    format_param = next((v for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k == "format"), None)
    negotiated = Negotiated(accept, format_param, pages=False)  # the only decision: the request ends here
    response = error_response(status, message, negotiated, headers={"Connection": "close"})
    await response(scope, receive, send)


def _cost(item: Cached) -> int:
    return len(item.body) + len(item.gzipped or b"") + 200
