"""The app factory: ``create_app(settings)`` builds the endpoint around an injected dataset.

Nothing lives at module level: each app owns its :class:`Runtime` (the worker pool, the
dataset version, the named queries, its metrics and cache), started by the app's lifespan
and reached by routes as ``request.app.state.runtime``. Two apps can run in one process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from graphe import guard, precomputed, queries
from graphe.api import draft, named, ops, publication, resources
from graphe.api.http import AnswerCache, LimitsMiddleware, error_response
from graphe.api.observe import Metrics, MetricsMiddleware
from graphe.api.quick import QuickLane
from graphe.api.quick_named import PREFIX, NamedLane
from graphe.api.settings import Settings
from graphe.api.sparql import EXPOSED_HEADERS, SparqlEndpoint
from graphe.errors import BadRequest, DataError, GrapheError
from graphe.executor import Executor, StoreConfig
from graphe.inline import Inline
from graphe.namespaces import SERVICE_IRI, prefixes
from graphe.negotiation import negotiated
from graphe.project import using
from graphe.remote import follow, is_remote, remote_version
from graphe.store import dataset_version, prepare_store
from graphe.web import routes as web_routes
from graphe.web.errors import html_error
from graphe.web.head import HeadAsGet

log = logging.getLogger("graphe.api")

_HTTP_MESSAGES = {
    404: "ressource introuvable.",
    405: "méthode non permise ici.",
}


class Runtime:
    """Everything a running endpoint holds: one per app."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.metrics = Metrics()
        self.cache = AnswerCache(settings.cache_mb * 2**20)
        self.limits = guard.Limits(max_length=settings.max_query_length, max_depth=settings.max_depth)
        self.prefixes = prefixes(settings.project)
        self.verdicts = guard.Verdicts()  # the guard's verdicts by query text
        self.catalogue: dict[str, queries.NamedQuery] = {}
        self.version = ""
        self.executor: Executor | None = None
        self.answers = None  # the named questions' answers computed by the build (graphe.precomputed)
        self._follow: asyncio.Task | None = None  # a remote store: taking up new publications
        self.started = time.time()

    async def start(self) -> None:
        """Load the named queries and start the query processes (once; later calls do nothing)."""
        if self.executor is not None:
            return
        nquads = self.settings.nquads
        self.catalogue = {q.name: q for q in queries.catalogue(self.settings.queries_dir)}
        spec = self.settings.store_spec
        if is_remote(spec):
            self.version = await asyncio.get_running_loop().run_in_executor(None, remote_version, spec)
        else:
            if not nquads.is_file():
                raise DataError(f"{nquads} : jeu de données absent (lancer « graphe build »).")
            prepare_store(spec, nquads)
            self.version = dataset_version(spec, nquads)
            self.answers = precomputed.open_for(self.settings.dist, self.version, spec, self.settings.page_size,
                                                self.settings.row_limit, self.settings.base_iri, self.prefixes)
        memory = self.settings.worker_memory_mb
        config = StoreConfig(spec, nquads, self.prefixes, self.limits, memory * 2**20 if memory else None)
        inline = Inline(config, self.version, self.settings.inline_ms) if self.settings.inline_ms > 0 else None
        executor = Executor(config, self.settings.workers, inline=inline, at_start=self.settings.workers_at_start)
        await executor.start()
        self.executor = executor
        if is_remote(self.settings.store) and self.settings.remote_refresh > 0:
            self._follow = asyncio.get_running_loop().create_task(follow(self, self.settings.remote_refresh))
        self.started = time.time()
        log.info(
            "graphe prêt : %s, %d processus de requêtes, version %s",
            self.settings.store, self.executor.size, self.version[:12],
        )

    async def close(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
        if self.executor is not None:
            await self.executor.close()

    @property
    def graphs(self) -> list[str]:
        return self.executor.graphs if self.executor else []

    #: texts this long are lexed off the event loop (a thread): ~100 µs a kilobyte
    THREADED_TEXT = 8192

    async def check(self, text: str, default_graph_uris=(), named_graph_uris=()) -> guard.CheckedQuery:
        """The guard's verdict; long texts are lexed off the event loop."""
        if len(text) < self.THREADED_TEXT:
            return self.verdict(text, default_graph_uris, named_graph_uris)
        return await asyncio.get_running_loop().run_in_executor(
            None, self.verdict, text, default_graph_uris, named_graph_uris,
        )

    def verdict(self, text: str, default_graph_uris=(), named_graph_uris=()) -> guard.CheckedQuery:
        return self.verdicts.check(
            text, graphs=self.graphs, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
            prefixes=self.prefixes, limits=self.limits, base=self.settings.base_iri or SERVICE_IRI,
        )

    def timeout_for(self, requested: str | None) -> float:
        """The client's ``timeout=`` (seconds) if lower than the server's limit."""
        if requested is None or requested == "":
            return self.settings.timeout
        try:
            value = float(requested)
        except ValueError:
            raise BadRequest(f"timeout invalide : {requested!r} (un nombre de secondes est attendu).") from None
        if not value > 0:
            raise BadRequest(f"timeout invalide : {requested!r} (il doit être positif).")
        return min(value, self.settings.timeout)


class GrapheApp(FastAPI):
    """FastAPI, with ``/sparql`` answered before the routing and middleware stack.

    ``/sparql`` is the hot path (thousands of small queries a second): its ASGI app does its
    own CORS, gzip, limits, metrics and errors, and skips a dozen layers of per-request work.
    Every other path goes through FastAPI as usual.
    """

    def __init__(self, sparql: SparqlEndpoint, **kwargs):
        super().__init__(**kwargs)
        self.sparql = sparql
        self.quick = QuickLane(sparql)  # its common requests, the others to self.sparql
        self.named = NamedLane(sparql.rt, lambda scope, receive, send: FastAPI.__call__(self, scope, receive, send))

    async def __call__(self, scope, receive, send) -> None:
        with using(self.sparql.rt.settings.project):  # what a request names, it names in the served project's terms
            if scope["type"] == "http" and scope["path"] == "/sparql":
                await self.quick(scope, receive, send)
            elif scope["type"] == "http" and scope["path"].startswith(PREFIX):
                await self.named(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The endpoint for ``settings`` (its dataset is loaded when the app starts)."""
    settings = settings or Settings()
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.close()

    app = GrapheApp(
        SparqlEndpoint(runtime),
        title="graphe — contrats de ville de Paris Est Marne&Bois",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load from a CDN: the service stays self-contained
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = runtime
    app.include_router(named.router)
    app.include_router(ops.router)
    app.include_router(resources.router)
    web_routes.include(app)
    app.include_router(publication.router)
    app.include_router(draft.router)
    if settings.static_dir.is_dir():
        app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")

    @app.exception_handler(GrapheError)
    async def graphe_error(request: Request, exc: GrapheError):
        return html_error(request, exc.status, str(exc), choices=getattr(exc, "choices", None)) or error_response(exc.status, str(exc), negotiated(request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return html_error(request, exc.status_code, message, exc.headers) or error_response(exc.status_code, message, negotiated(request), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error_response(400, "paramètres invalides.", negotiated(request))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("erreur interne sur %s", request.url.path)
        return error_response(500, "erreur interne du serveur.", negotiated(request))

    # outermost last: metrics see everything, CORS headers go on every answer (errors too)
    app.add_middleware(publication.GZipExceptDumps, minimum_size=settings.gzip_min, compresslevel=6)
    app.add_middleware(LimitsMiddleware, max_url=settings.max_url, max_body=settings.max_body)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS.split(", "),
        max_age=86400,
    )
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)
    app.add_middleware(HeadAsGet)
    return app
