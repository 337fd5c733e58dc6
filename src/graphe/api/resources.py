"""``/id/{type}/{slug}``: every resource IRI dereferences (DESIGN §2).

The IRIs are ``https://w3id.org/contrats-de-ville/id/…``; w3id.org redirects to wherever graphe
runs, so the route answers for the path whatever the host. A browser gets a French page with
the resource's properties, its passages of the annex and links to its neighbours; a linked-data
client gets Turtle, N-Triples, JSON-LD or RDF/XML by ``Accept`` or ``format=``. The description
is the query ``src/graphe/sparql/ressource.rq``, run like any other (guard, timeout, workers).
"""

from __future__ import annotations

import time
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, Request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from starlette.responses import Response

from graphe import formats, queries
from graphe.api.http import etag_for, matches
from graphe.api.sparql import count_failure, not_acceptable
from graphe.errors import GrapheError, NotAcceptable, NotFound
from graphe.namespaces import ID_BASE, OA, curie, local_href

router = APIRouter()

DESCRIPTION = queries.NamedQuery.from_file(Path(__file__).resolve().parents[1] / "sparql" / "ressource.rq")
OFFERS = [formats.HTML, *formats.GRAPH]
GENID = ID_BASE + ".well-known/genid/"


@router.get("/id/{path:path}")
async def dereference(request: Request, path: str) -> Response:
    rt = request.app.state.runtime
    start = time.perf_counter()
    iri = ID_BASE + path
    fmt = formats.negotiate(request.headers.get("accept"), request.query_params.get("format"), OFFERS)
    if fmt is None:
        raise NotAcceptable(not_acceptable(request.query_params.get("format"), OFFERS))
    etag = etag_for(rt.version, "id", iri, fmt.name)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={rt.settings.max_age}", "Vary": "Accept"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    text = ""
    try:
        text = DESCRIPTION.bind({"ressource": f"<{iri}>"})
        checked = await rt.check(text)
        wanted = "ntriples" if fmt is formats.HTML else fmt.name
        result = await rt.executor.run(checked, format=wanted, timeout=rt.settings.timeout, row_limit=None)
    except GrapheError as exc:
        count_failure(rt, exc, "CONSTRUCT", text or iri, start)
        raise
    if result.rows == 0:
        raise NotFound(f"aucune ressource {iri} dans le graphe.")
    if fmt is formats.HTML:
        body = page(rt.settings.templates_dir / "ressource.html", URIRef(iri), result.body)
        return Response(body, headers=headers, media_type="text/html; charset=utf-8")
    return Response(result.body, headers=headers, media_type=fmt.content_type)


# ------------------------------------------------------------------------------- the HTML page


def page(template_path, iri: URIRef, ntriples: bytes) -> bytes:
    """The French page of ``iri`` from its description (N-Triples)."""
    g = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    title = label(g, iri) or curie(str(iri)) or str(iri)
    kinds = ", ".join(link(g, k) for k in sorted(g.objects(iri, RDF.type)))
    downloads = " · ".join(
        f'<a href="?format={f.name}">{n}</a>'
        for f, n in ((formats.TURTLE, "Turtle"), (formats.JSONLD, "JSON-LD"), (formats.NTRIPLES, "N-Triples"))
    )
    body = Template(_template(template_path)).substitute(
        titre=escape(title), iri=escape(iri), types=kinds, proprietes=properties(g, iri, depth=0), liens=downloads
    )
    return body.encode("utf-8")


@lru_cache(maxsize=4)
def _template(path) -> str:
    return path.read_text(encoding="utf-8")


def properties(g: Graph, node, depth: int) -> str:
    """A table of ``node``'s properties; passages and mentions (genid nodes) nested inside."""
    rows = []
    for p in sorted(set(g.predicates(node, None))):
        if p == RDF.type and depth == 0:
            continue
        values = sorted(g.objects(node, p), key=lambda o: (str(label(g, o) or o)))
        cells = "<br>".join(value(g, o, depth) for o in values)
        rows.append(f"<tr><th>{link(g, p)}</th><td>{cells}</td></tr>")
    return f'<table class="proprietes">{"".join(rows)}</table>'


def value(g: Graph, o, depth: int) -> str:
    if isinstance(o, Literal):
        lang = f' <span class="langue">@{o.language}</span>' if o.language else ""
        return f"{escape(str(o))}{lang}"
    if str(o).startswith(GENID) and depth < 3:
        quote_ = citation(g, o)
        return quote_ or properties(g, o, depth + 1)
    return link(g, o)


def citation(g: Graph, node) -> str | None:
    """A passage read as « quote » (start–end), when ``node`` is one."""
    for sel in g.objects(node, OA.hasSelector):
        exact = g.value(sel, OA.exact)
        if exact is None:
            continue
        start = end = None
        for other in g.objects(node, OA.hasSelector):
            start = g.value(other, OA.start, default=start)
            end = g.value(other, OA.end, default=end)
        where = f" <small>(annexe 1, caractères {start}–{end})</small>" if start is not None else ""
        return f"<q>{escape(str(exact))}</q>{where}"
    return None


def label(g: Graph, node) -> str | None:
    for p in (RDFS.label, SKOS.prefLabel):
        for o in g.objects(node, p):
            if isinstance(o, Literal) and o.language in ("fr", None):
                return str(o)
    return None


def link(g: Graph, iri) -> str:
    """A link to ``iri``: where this server answers it when it is one of ours, the IRI itself otherwise."""
    text = label(g, iri) or curie(str(iri)) or str(iri)
    href = local_href(str(iri))
    href = quote(href, safe="/#") if href.startswith("/") else href
    return f'<a href="{escape(href)}" title="{escape(str(iri))}">{escape(text)}</a>'
