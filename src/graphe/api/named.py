"""``/queries``: the named questions, for people who don't write SPARQL; ``/prefixes``.

``GET /queries`` lists ``queries/*.rq`` with their headers (JSON, or an HTML page for a
browser). ``GET /queries/{name}?param=…`` binds the parameters safely
(:meth:`graphe.queries.NamedQuery.bind`) and runs the query like ``/sparql`` does (same
guard, timeout, row cap, cache, ETag), answering JSON, CSV or an HTML table by ``Accept`` or
``format=`` (XML and TSV too; a graph answer in the RDF formats).
"""

from __future__ import annotations

import json
import time
from html import escape
from string import Template
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from graphe import formats, queries
from graphe.api.http import etag_for, matches
from graphe.api.sparql import Reply, Req, count_failure, execute, not_acceptable
from graphe.errors import BadRequest, GrapheError, NotAcceptable, NotFound

router = APIRouter()

#: Query-string names that are not parameters of a named query.
RESERVED = queries.RESERVED
_LIST_OFFERS = [formats.Format("json", "application/json"), formats.HTML]
_TABLE_OFFERS = [formats.JSON, formats.CSV, formats.HTML, formats.XML, formats.TSV]


def runtime(request: Request):
    return request.app.state.runtime


def _req(request: Request) -> Req:
    headers = {k.lower(): v for k, v in request.headers.items()}
    return Req(request.method, request.url.path, list(request.query_params.multi_items()), headers, str(request.url))


def _response(reply: Reply) -> Response:
    return Response(reply.body, reply.status, headers=reply.headers, media_type=reply.media_type)


def _template(rt, name: str) -> Template:
    return Template((rt.settings.templates_dir / name).read_text(encoding="utf-8"))


@router.get("/prefixes")
async def prefix_table(request: Request) -> Response:
    """The project's prefix table (those a query may use without declaring them)."""
    rt = runtime(request)
    body = json.dumps(rt.prefixes, ensure_ascii=False, indent=1).encode()
    return Response(body, headers={"Cache-Control": f"public, max-age={rt.settings.max_age}"}, media_type="application/json")


@router.get("/queries")
async def list_queries(request: Request) -> Response:
    rt = runtime(request)
    fmt = formats.negotiate(request.headers.get("accept"), request.query_params.get("format"), _LIST_OFFERS)
    if fmt is None:
        raise NotAcceptable(not_acceptable(request.query_params.get("format"), _LIST_OFFERS))
    etag = etag_for(rt.version, "queries", fmt.name, sorted(rt.catalogue))
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={rt.settings.max_age}", "Vary": "Accept"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    entries = [
        {**q.as_dict(), "url": f"/queries/{q.name}", "query": q.text} for q in rt.catalogue.values()
    ]
    if fmt.name == "json":
        body = json.dumps(entries, ensure_ascii=False, indent=1).encode()
        return Response(body, headers=headers, media_type="application/json")
    items = "\n".join(
        f'<li><a href="{escape(e["url"])}">{escape(e["summary"] or e["name"])}</a>'
        f'<p>{escape(e["description"])}</p></li>'
        for e in entries
    )
    page = _template(rt, "requetes.html").substitute(liste=items or "<li>Aucune question.</li>")
    return Response(page, headers=headers, media_type="text/html; charset=utf-8")


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
        text = query.bind(values)
        checked = await rt.check(text)
        form = checked.form
        offers = formats.GRAPH if form in ("CONSTRUCT", "DESCRIBE") else _TABLE_OFFERS
        fmt = formats.negotiate(request.headers.get("accept"), params.get("format"), offers)
        if fmt is None:
            raise NotAcceptable(not_acceptable(params.get("format"), offers))

        def page(result) -> bytes:
            return _result_page(rt, query, values, result)

        reply = await execute(
            rt, _req(request), checked, fmt, params.get("timeout"), start, text,
            wrap=page if fmt.name == "html" else None,
        )
        return _response(reply)
    except GrapheError as exc:
        count_failure(rt, exc, form, text or name, start)
        raise


def _result_page(rt, query, values: dict[str, str], result) -> bytes:
    """The HTML table inside a page with the question, its parameters and download links."""
    fields = []
    for p in query.params:
        current = values.get(p.name, p.default or "")
        kind = {"integer": "number", "date": "date"}.get(p.type, "text")
        fields.append(
            f'<label>{escape(p.label)} <input name="{escape(p.name)}" type="{kind}" '
            f'value="{escape(current)}"></label>'
        )
    links = " · ".join(
        f'<a href="?{escape(urlencode({**values, "format": f}))}">{label}</a>'
        for f, label in (("csv", "CSV"), ("json", "JSON"), ("tsv", "TSV"), ("xml", "XML"))
    )
    note = ""
    if result.truncated:
        note = f'<p class="note">Réponse coupée à {rt.settings.row_limit} lignes.</p>'
    page = _template(rt, "requete-nommee.html").substitute(
        titre=escape(query.summary or query.name),
        description=escape(query.description),
        champs="\n".join(fields),
        formulaire="" if fields else "hidden",
        liens=links,
        lignes=result.rows,
        note=note,
        table=result.body.decode(),
        requete=escape(query.text),
    )
    return page.encode()
