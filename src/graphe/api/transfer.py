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


async def gzip_body(body: bytes) -> bytes:
    """``body`` gzipped (mtime 0: the same bytes every time); a large body off the event loop."""
    if len(body) < 262_144:
        return gzip.compress(body, 6, mtime=0)
    return await asyncio.get_running_loop().run_in_executor(None, lambda: gzip.compress(body, 6, mtime=0))
