"""``/queries``: the named questions, for people who don't write SPARQL; ``/prefixes``.

``GET /queries`` lists ``queries/*.rq`` with their headers (JSON, or an HTML page for a
browser). ``GET /queries/{name}?param=…`` binds the parameters safely
(:meth:`graphe.queries.NamedQuery.bind`) and runs the query like ``/sparql`` does (same
guard, timeout, row cap, cache, ETag), answering JSON, CSV or an HTML table by ``Accept`` or
``format=`` (XML and TSV too; a graph answer in the RDF formats). A long answer comes in
pages (``page=N``, ``page=tout`` for all of it; :mod:`graphe.paging`), each with a link to the next.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from graphe import formats, paging, precomputed, queries
from graphe.api.exchange import Reply, Req
from graphe.api.execution import count_failure, execute
from graphe.api.http import etag_for, not_modified, validators
from graphe.errors import BadRequest, GrapheError, NotFound
from graphe.negotiation import negotiated
from graphe.web import questions

router = APIRouter()

#: Query-string names that are not parameters of a named query.
RESERVED = queries.RESERVED
_LIST_OFFERS = [formats.Format("json", "application/json"), formats.HTML]
_TABLE_OFFERS = [formats.JSON, formats.CSV, formats.HTML, formats.XML, formats.TSV]


def offers_for(form: str) -> list[formats.Format]:
    """The formats a named query's answer is offered in: a graph's, or a table's with the page."""
    return formats.GRAPH if form in ("CONSTRUCT", "DESCRIBE") else _TABLE_OFFERS


def runtime(request: Request):
    return request.app.state.runtime


def _req(request: Request) -> Req:
    headers = {k.lower(): v for k, v in request.headers.items()}
    params = list(request.query_params.multi_items())
    return Req(request.method, request.url.path, params, headers, str(request.url), negotiated=negotiated(request))


def _response(reply: Reply) -> Response:
    return Response(reply.body, reply.status, headers=reply.headers, media_type=reply.media_type)


@router.get("/prefixes")
async def prefix_table(request: Request) -> Response:
    """The project's prefix table (those a query may use without declaring them)."""
    rt = runtime(request)
    body = json.dumps(rt.prefixes, ensure_ascii=False, indent=1).encode()
    return Response(body, headers={"Cache-Control": f"public, max-age={rt.settings.max_age}"}, media_type="application/json")


@router.get("/queries")
async def list_queries(request: Request) -> Response:
    rt = runtime(request)
    fmt = negotiated(request).answer(_LIST_OFFERS)
    etag = etag_for(rt.version, "queries", fmt.name, sorted(rt.catalogue))
    headers = validators(etag, rt.settings.max_age)
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers=headers)
    entries = [
        {**q.as_dict(), "url": f"/queries/{q.name}", "query": q.text} for q in rt.catalogue.values()
    ]
    if fmt.name == "json":
        body = json.dumps(entries, ensure_ascii=False, indent=1).encode()
        return Response(body, headers=headers, media_type="application/json")
    return await questions.list_page(request, rt.catalogue)


@router.get("/queries/{name}")
async def run_named(request: Request, name: str) -> Response:
    rt = runtime(request)
    start = time.perf_counter()
    query = rt.catalogue.get(name)
    if query is None:
        raise NotFound(f"question inconnue : {name!r} (liste : /queries).")
    params = request.query_params
    values: dict[str, str] = {}
    for key, value in params.multi_items():
        if key in RESERVED:
            continue
        if key in values:
            raise BadRequest(f"paramètre « {key} » donné deux fois.")
        values[key] = value
    text = ""
    form = None
    try:
        values = await questions.resolve(request, query, values)
        text = query.bind(values)
        size = rt.settings.page_size  # pages of a long answer (graphe.paging)
        text, page = paging.page_of(text, params.get("page"), size)
        checked = await rt.check(text)
        form = checked.form
        offers = offers_for(form)
        if params.get("csv") is not None:  # the table of the page, downloaded as shown
            return await questions.answer_page(request, query, values, checked, page)
        fmt = negotiated(request).answer(offers)
        if fmt.name == "html":
            return await questions.answer_page(request, query, values, checked, page)

        ready = precomputed.lookup(rt, checked, fmt.name)  # the defaults' answer, written by the build
        reply = await execute(rt, _req(request), checked, fmt, params.get("timeout"), start, text, ready=ready)
        link = paging.link_header(request.url.path, params.multi_items(), page, int(reply.headers.get("X-Rows", 0)), size)
        if link and reply.status == 200:
            reply.headers["Link"] = link
        return _response(reply)
    except GrapheError as exc:
        count_failure(rt, exc, form, text or name, start)
        raise

