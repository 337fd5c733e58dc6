"""``HEAD`` on every ``GET`` route: the GET's status and headers, no body.

FastAPI routes declared with ``@router.get`` answer 405 to HEAD; rather than declaring HEAD
on each, this middleware runs the request as a GET (on a copy of the scope, so the server
still knows it answers a HEAD) and drops the body.
"""

from __future__ import annotations


class HeadAsGet:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def send_headers_only(message):
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not done:
                done = not message.get("more_body", False)
                if done:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(dict(scope, method="GET"), receive, send_headers_only)
