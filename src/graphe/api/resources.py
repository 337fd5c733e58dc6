"""``/id/{type}/{slug}``: every resource IRI dereferences.

The IRIs are ``https://w3id.org/contrats-de-ville/id/…``; w3id.org redirects to wherever graphe
runs, so the route answers for the path whatever the host. A browser gets a French page with
the resource's properties, its passages of the annex and links to its neighbours
(:mod:`graphe.web.resource_page`); a linked-data
client gets Turtle, N-Triples, JSON-LD or RDF/XML by ``Accept`` or ``format=``. The description
is the query ``src/graphe/sparql/ressource.rq``, run like any other (guard, timeout, workers).
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from graphe import formats, queries
from graphe.api.execution import count_failure
from graphe.api.http import etag_for, not_modified, validators
from graphe.errors import GrapheError, NotFound
from graphe.namespaces import ID_BASE
from graphe.negotiation import negotiated
from graphe.web import resource_page

router = APIRouter()

DESCRIPTION = queries.NamedQuery.from_file(Path(__file__).resolve().parents[1] / "sparql" / "ressource.rq")
OFFERS = [formats.HTML, *formats.GRAPH]


@router.get("/id/{path:path}")
async def dereference(request: Request, path: str) -> Response:
    rt = request.app.state.runtime
    start = time.perf_counter()
    iri = ID_BASE + path
    fmt = negotiated(request).answer(OFFERS)
    etag = etag_for(rt.version, "id", iri, fmt.name)
    headers = validators(etag, rt.settings.max_age)
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers=headers)
    if fmt is formats.HTML:
        response = await resource_page.html(request, iri)
        response.headers.update(headers)
        return response
    text = ""
    try:
        text = DESCRIPTION.bind({"ressource": f"<{iri}>"})
        checked = await rt.check(text)
        result = await rt.executor.run(checked, format=fmt.name, timeout=rt.settings.timeout, row_limit=None)
    except GrapheError as exc:
        count_failure(rt, exc, "CONSTRUCT", text or iri, start)
        raise
    if result.rows == 0:
        raise NotFound(f"aucune ressource {iri} dans le graphe.")
    return Response(result.body, headers=headers, media_type=fmt.content_type)
