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
from graphe.api.http import etag_for, matches
from graphe.api.sparql import not_acceptable
from graphe.errors import BadRequest, NotAcceptable, NotFound
from graphe.namespaces import GRAPHE, ID_BASE, curie, prefixes
from graphe.results import write_graph
from graphe.web.templating import templates as page_templates

router = APIRouter()

PUBLIC_BASE = ID_BASE[: -len("id/")]  # https://w3id.org/contrats-de-ville/
DOCUMENT_OFFERS = [formats.HTML, *formats.GRAPH]
DUMPS = "/dumps/"
SUMS = "SHA256SUMS"
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@router.api_route("/ontologie", methods=["GET", "HEAD"])
async def ontology(request: Request) -> Response:
    return await document(request, "ontologie", "ontologie.ttl", page="ontologie.html")


@router.api_route("/formes", methods=["GET", "HEAD"])
async def shapes(request: Request) -> Response:
    return await document(request, "formes", "formes.ttl")


@router.api_route("/graphe/{name}", methods=["GET", "HEAD"])
async def named_graph(request: Request, name: str) -> Response:
    rt = request.app.state.runtime
    if str(GRAPHE[name]) not in rt.graphs:
        raise NotFound(f"aucun graphe nommé {GRAPHE[name]} dans le jeu de données.")
    return await document(request, f"graphe/{name}", f"{name}.ttl")


@router.api_route("/void", methods=["GET", "HEAD"])
async def void(request: Request) -> Response:
    return await document(request, "void", "void.ttl", offers=formats.GRAPH)


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
async def well_known_void(request: Request) -> Response:
    """RFC 8615 / VoID §7.2: the well-known address points at the dataset's description."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse("/void" + query, status_code=303, headers={"Vary": "Accept"})


async def document(request: Request, path: str, turtle: str, page: str | None = None, offers=None) -> Response:
    """The document ``path`` (public IRI ``PUBLIC_BASE + path``) whose Turtle is ``dist/turtle``."""
    rt = request.app.state.runtime
    offers = offers or DOCUMENT_OFFERS
    fmt = formats.negotiate(request.headers.get("accept"), request.query_params.get("format"), offers)
    if fmt is None:
        raise NotAcceptable(not_acceptable(request.query_params.get("format"), offers))
    source = release_file(rt.settings.dist, turtle)
    lang = language(request.query_params.get("lang"))
    etag = etag_for(rt.version, "publication", path, fmt.name, lang)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={rt.settings.max_age}", "Vary": "Accept"}
    if matches(request.headers.get("if-none-match"), etag):
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
    """A short French page for a document without its own (the shapes, a named graph)."""
    iri = PUBLIC_BASE + path
    counts = build_counts(dist)
    return page_templates.env.get_template("document.html").render(
        iri=iri,
        kind="formes" if path == "formes" else "graphe",
        name=path.rsplit("/", 1)[-1],
        triples=counts.get(curie(iri) or iri),
        dump=DUMPS + turtle,
    )


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
    if matches(request.headers.get("if-none-match"), etag):
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
