"""Moving bodies on the hot path: reading a request body within its limit, gzipping an answer."""

from __future__ import annotations

import asyncio
import gzip

from graphe.errors import PayloadTooLarge


async def read_body(receive, max_body: int) -> bytes:
    """The request body, refusing (413) past ``max_body`` bytes even when it comes chunked."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise PayloadTooLarge(f"corps de requête trop gros : plus de {max_body} octets.")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


#: bodies from this size on are gzipped off the event loop
GZIP_IN_THREAD = 262_144


def gzip_now(body: bytes) -> bytes:
    """``body`` gzipped (mtime 0: the same bytes every time), here and now."""
    return gzip.compress(body, 6, mtime=0)


async def gzip_body(body: bytes) -> bytes:
    """``body`` gzipped as :func:`gzip_now` does; a large body off the event loop."""
    if len(body) < GZIP_IN_THREAD:
        return gzip_now(body)
    return await asyncio.get_running_loop().run_in_executor(None, gzip_now, body)
