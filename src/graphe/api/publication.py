"""The published documents: the ontology, the shapes, each named graph, the VoID, the dumps.

``https://w3id.org/contrats-de-ville/ontologie`` (and every ``…/ontologie#Terme``), ``/formes``
and ``/graphe/{name}`` are documents of the release in ``dist/``: w3id.org redirects their IRIs
here (``publication/w3id/.htaccess``), and each answers by ``Accept`` or ``format=`` as the
``/id/`` resources do — Turtle (the file of the build), N-Triples, JSON-LD, RDF/XML, or a page
for people (the ontology's documentation is written at build time, ``dist/ontologie.html``).
``/dumps/{file}`` serves the release's files as they are, with a strong ETag (their SHA-256),
``Content-Length``, ``HEAD``, ``304`` and ranges; ``/.well-known/void`` points at ``/void``.
Everything comes from ``dist/``, never from the query store: a document is served byte for
byte as it was built and checksummed.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, RedirectResponse, Response

from graphe import formats
from graphe.api.http import etag_for, not_modified, validators
from graphe.errors import BadRequest, NotFound
from graphe.namespaces import PUBLIC_BASE, curie, local_href, prefixes
from graphe.negotiation import negotiated
from graphe.results import write_graph
from graphe.web.templating import templates as page_templates

router = APIRouter()

DOCUMENT_OFFERS = [formats.HTML, *formats.GRAPH]
DUMPS = "/dumps/"
SUMS = "SHA256SUMS"
FORMAT_NAMES = {"nquads": "N-Quads", "trig": "TriG", "turtle": "Turtle", "jsonld": "JSON-LD"}
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@router.api_route("/ontologie", methods=["GET", "HEAD"])
async def ontology(request: Request) -> Response:
    return await document(request, "ontologie", "ontologie.ttl", page="ontologie.html")


@router.api_route("/formes", methods=["GET", "HEAD"])
async def shapes(request: Request) -> Response:
    return await document(request, "formes", "formes.ttl")


@router.api_route("/graphe/{name}", methods=["GET", "HEAD"])
async def named_graph(request: Request, name: str) -> Response:
    from graphe.namespaces import GRAPHE  # an rdflib Namespace: rdflib loaded by the first such page

    rt = request.app.state.runtime
    if str(GRAPHE[name]) not in rt.graphs:
        raise NotFound(f"aucun graphe nommé {GRAPHE[name]} dans le jeu de données.")
    return await document(request, f"graphe/{name}", f"{name}.ttl")


@router.api_route("/void", methods=["GET", "HEAD"])
async def void(request: Request) -> Response:
    return await document(request, "void", "void.ttl")


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
async def well_known_void(request: Request) -> Response:
    """RFC 8615 / VoID §7.2: the well-known address points at the dataset's description."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse("/void" + query, status_code=303, headers={"Vary": "Accept"})


async def document(request: Request, path: str, turtle: str, page: str | None = None) -> Response:
    """The document ``path`` (public IRI ``PUBLIC_BASE + path``) whose Turtle is ``dist/turtle``."""
    rt = request.app.state.runtime
    offers = DOCUMENT_OFFERS
    fmt = negotiated(request).answer(offers)
    dist = Path(rt.settings.dist)
    source = release_file(dist, turtle)
    lang = language(request.query_params.get("lang"))
    # the file's own checksum: the shapes or the page may change while dataset.nq does not
    shown = page if fmt is formats.HTML and page is not None else turtle
    digest = checksums(dist, *_stamp(release_file(dist, SUMS))).get(shown, rt.version)
    etag = etag_for(digest, "publication", path, fmt.name, lang)
    headers = validators(etag, rt.settings.max_age)
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers=headers)
    if fmt is formats.HTML:
        if page is not None:
            body = release_file(rt.settings.dist, page).read_bytes()
        else:
            body = summary_page(rt.settings.templates_dir, rt.settings.dist, path, turtle).encode("utf-8")
        return Response(body, headers=headers, media_type=formats.HTML.content_type)
    body = await run_in_threadpool(converted, source, _stamp(source), fmt.name, PUBLIC_BASE + path, lang)
    return Response(body, headers=headers, media_type=fmt.content_type)


def release_file(dist: Path, name: str) -> Path:
    path = Path(dist) / name
    if not path.is_file():
        raise NotFound(f"{name} absent de la publication : relancer « graphe build ».")
    return path


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def language(tag: str | None) -> str | None:
    """``lang=``: a view of the document in one language (plus untagged literals), or None."""
    if tag is None or tag == "":
        return None
    if not LANGUAGE_TAG.fullmatch(tag):
        raise BadRequest(f"lang invalide : {tag!r} (une étiquette de langue est attendue, par exemple fr ou en).")
    return tag.lower()


@lru_cache(maxsize=32)
def converted(path: Path, stamp: tuple[int, int], fmt: str, base: str, lang: str | None = None) -> bytes:
    """The Turtle file ``path`` in ``fmt`` (kept while the file is unchanged: ``stamp``).

    With ``lang``, literals in other languages are left out: the view for tools that show
    every label of a term side by side, such as pyLODE, which runs the French and English
    labels together.
    """
    if fmt == formats.TURTLE.name and lang is None:
        return path.read_bytes()
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base))
    if lang is not None:
        triples = [t for t in triples if not isinstance(t.object, ox.Literal) or t.object.language in (None, lang)]
    return write_graph(triples, fmt, prefixes())


# ------------------------------------------------------------------------------ pages for people


def summary_page(templates: Path, dist: Path, path: str, turtle: str) -> str:
    """A short French page for a document without its own (the shapes, a named graph, the VoID)."""
    iri = PUBLIC_BASE + path
    counts = build_counts(dist)
    kind = path if path in ("formes", "void") else "graphe"
    source = Path(dist) / turtle
    return page_templates().env.get_template("document.html").render(
        iri=iri,
        kind=kind,
        name=path.rsplit("/", 1)[-1],
        triples=counts.get(curie(iri) or iri),
        dump=DUMPS + turtle,
        release=release_summary(source, _stamp(source)) if kind == "void" else None,
    )


@lru_cache(maxsize=4)
def release_summary(void_ttl: Path, stamp: tuple[int, int]) -> dict:
    """What a person wants to know of the release, read from its VoID + DCAT description."""
    from rdflib import Graph, Literal, URIRef  # read here, at the first page that shows it
    from rdflib.namespace import DCTERMS, FOAF, RDFS

    from graphe.namespaces import DCAT, VOID

    g = Graph().parse(void_ttl, format="turtle")
    d = g.value(URIRef(PUBLIC_BASE + "void"), FOAF.primaryTopic)

    def fr(subject, prop) -> str:
        values = {lit.language: str(lit) for lit in g.objects(subject, prop) if isinstance(lit, Literal)}
        return values.get("fr") or values.get(None) or ""

    dumps = []
    for dist in sorted(g.objects(d, DCAT.distribution), key=str):
        size = int(g.value(dist, DCAT.byteSize) or 0)
        name = str(dist).rsplit("/", 1)[-1]
        dumps.append({
            "name": name, "href": local_href(str(dist)), "format": FORMAT_NAMES.get(formats.for_file(name).name, ""),
            "size": f"{size / 1e6:.1f} Mo".replace(".", ",") if size >= 1e5 else f"{max(size // 1000, 1)} ko",
        })
    publisher = g.value(d, DCTERMS.publisher)
    return {
        "title": fr(d, DCTERMS.title), "description": fr(d, DCTERMS.description),
        "licence": str(g.value(d, DCTERMS.license) or ""), "publisher": fr(publisher, FOAF.name) or fr(publisher, RDFS.label),
        "version": str(g.value(d, DCAT.version) or ""), "modified": str(g.value(d, DCTERMS.modified) or ""),
        "triples": int(g.value(d, VOID.triples) or 0), "dumps": dumps,
        "endpoint": str(g.value(d, VOID.sparqlEndpoint) or ""),
    }


def build_counts(dist: Path) -> dict[str, int]:
    try:
        meta = json.loads((Path(dist) / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta.get("counts", {}).get("triples", {})


# ------------------------------------------------------------------------------ the dumps


@router.api_route(DUMPS + "{name}", methods=["GET", "HEAD"])
async def dump(request: Request, name: str) -> Response:
    """A file of the release as built: strong ETag = its SHA-256, so a client checks it too."""
    rt = request.app.state.runtime
    dist = Path(rt.settings.dist)
    sums = checksums(dist, *_stamp(release_file(dist, SUMS)))
    if name not in sums:
        raise NotFound(f"aucun fichier {name} dans la publication ; voir {DUMPS}{SUMS}.")
    path = release_file(dist, name)
    etag = f'"{sums[name]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={rt.settings.max_age}"}
    if not_modified(request.headers, etag):
        return Response(status_code=304, headers=headers)
    fmt = formats.for_file(name)
    return FileResponse(path, media_type=fmt.content_type, headers=headers)


@lru_cache(maxsize=4)
def checksums(dist: Path, *stamp) -> dict[str, str]:
    """File → SHA-256 of what the release lists (``SHA256SUMS``), plus that list itself."""
    listing = dist / SUMS
    sums = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name and "/" not in name:
            sums[name] = digest
    sums[SUMS] = hashlib.sha256(listing.read_bytes()).hexdigest()
    return sums


class GZipExceptDumps(GZipMiddleware):
    """gzip, but not on ``/dumps/``: a dump keeps its Content-Length and checksummed bytes."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DUMPS):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
