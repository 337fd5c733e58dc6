"""Answer a page: its template, or one of its tables as CSV when ``?csv=NAME`` asks for it.

A page is a function of its URL and of the dataset, which does not change while the server
runs: the answer is kept (per app, for the dataset's version, up to ``MAX_BYTES``) and the next
request for the same URL is answered from it without running queries or templates
(:func:`cached`).
"""

from __future__ import annotations

import functools

from starlette.responses import Response

from graphe.errors import NotFound
from graphe.web.tables import Table
from graphe.web.templating import templates

CACHE = "public, max-age=300"
MAX_BYTES = 64 * 2**20


def _store(request) -> dict:
    rt = request.app.state.runtime
    store = getattr(request.app.state, "rendered", None)
    if store is None or store.get("version") != rt.version:
        store = request.app.state.rendered = {"version": rt.version, "bytes": 0}
    return store


def lookup(request) -> Response | None:
    """The kept answer for this URL, if any."""
    hit = _store(request).get(str(request.url.path) + "?" + str(request.url.query))
    if hit is None:
        return None
    body, media_type, headers = hit
    return Response(body, media_type=media_type, headers=dict(headers))


def keep(request, response: Response) -> Response:
    store = _store(request)
    if response.status_code == 200 and store["bytes"] + len(response.body) < MAX_BYTES:
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")]
        store[str(request.url.path) + "?" + str(request.url.query)] = (response.body, response.media_type, headers)
        store["bytes"] += len(response.body)
    return response


def cached(handler):
    """Decorate a page's route: answer from :func:`lookup` when the URL was answered before."""

    @functools.wraps(handler)
    async def route(request, *args, **kwargs):
        return lookup(request) or await handler(request, *args, **kwargs)

    return route


def page(request, template: str, context: dict, tables: list[Table] = (), status: int = 200) -> Response:
    wanted = request.query_params.get("csv")
    if wanted is not None:
        for table in tables:
            if table.name == wanted:
                filename = f"{request.url.path.strip('/').replace('/', '-') or 'accueil'}-{table.name}.csv"
                return keep(request, Response(
                    table.csv().encode("utf-8"),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": CACHE},
                ))
        names = ", ".join(t.name for t in tables) or "aucun"
        raise NotFound(f"pas de tableau « {wanted} » sur cette page (tableaux : {names}).")
    context = {**context, "tables": {t.name: t for t in tables}}
    response = templates().TemplateResponse(request, template, context, status_code=status)
    response.headers.setdefault("Cache-Control", CACHE)
    return keep(request, response)
