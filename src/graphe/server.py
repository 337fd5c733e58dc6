"""``graphe serve``: build the dataset if it is missing or stale, then serve it over HTTP.

The command is the README's main job: on a fresh clone it builds ``dist/`` (calling
:func:`graphe.build.build`), starts the query processes, and only then opens the port, so a
client never meets a half-started server. Problems found before the port opens (no dataset,
a broken named query, an unreadable dump) are :class:`graphe.errors.GrapheError`\\ s: one line
and an exit code, never a traceback. When a rebuild fails but an earlier good ``dist/``
exists, that one is served (invalid data never replaces valid data) and a warning says so.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from graphe import paths
from graphe.errors import BadRequest, DataError, GrapheError

log = logging.getLogger("graphe.server")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``graphe serve``."""
    from graphe.api.settings import Settings

    d = Settings.__dataclass_fields__
    parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (défaut: 8000)")
    parser.add_argument(
        "--processes", type=int, default=default_processes(),
        help="processus serveurs HTTP, qui se partagent le port (défaut: un par cœur, au plus 4 ; ici %(default)s)",
    )
    parser.add_argument(
        "--workers", type=int, default=d["workers"].default,
        help="processus d'évaluation des requêtes par processus serveur (défaut: %(default)s)",
    )
    parser.add_argument(
        "--store", default="oxigraph",
        help="moteur : oxigraph (défaut : selon la taille, oxigraph-memoire jusqu'à 64 Mo de N-Quads, "
             "oxigraph-disque au-delà), oxigraph-memoire (une copie en mémoire par processus de requêtes), "
             "oxigraph-disque (une base sur disque dans DIST/oxigraph, partagée par tous), oxigraph:DOSSIER, "
             "ou rdflib (référence)",
    )
    parser.add_argument(
        "--timeout", type=float, default=d["timeout"].default,
        help="délai maximal d'une requête, en secondes (défaut: %(default)s ; un client peut demander moins)",
    )
    parser.add_argument("--row-limit", type=int, default=d["row_limit"].default,
                        help="lignes (ou triplets) au plus par réponse (défaut: %(default)s)")
    parser.add_argument("--cache-mb", type=int, default=d["cache_mb"].default,
                        help="cache des réponses en Mo, 0 pour aucun (défaut: %(default)s)")
    parser.add_argument("--memory-mb", type=int, default=None,
                        help="mémoire au plus par processus de requêtes, en Mo ; 0 pour aucune limite "
                             "(défaut : 60 %% de la mémoire de la machine partagés entre eux, 4096 au plus)")
    parser.add_argument("--request-timeout", type=float, default=d["request_timeout"].default,
                        help="secondes pour recevoir une requête entière, sinon 408 (défaut: %(default)s)")
    parser.add_argument("--dist", type=Path, default=None, help=f"jeu construit à servir (défaut: {paths.DIST})")
    parser.add_argument("--no-build", action="store_true",
                        help="servir dist/ tel quel, sans le reconstruire s'il est périmé")
    parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--access-log", action="store_true", help="une ligne par requête HTTP (uvicorn)")


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def sources() -> list[Path]:
    """The files the dataset is built from: a newer one makes ``dist/`` stale."""
    from graphe import dataset

    found = sorted(paths.ONTOLOGY.glob("*.ttl")) + dataset.data_files() + [paths.SOURCE]
    return [p for p in found if p.is_file()]


def is_stale(dist: Path, inputs: list[Path] | None = None) -> bool:
    """No ``dataset.nq`` in ``dist``, or one older than a source file."""
    nquads = dist / "dataset.nq"
    if not nquads.is_file():
        return True
    built = nquads.stat().st_mtime
    return any(p.stat().st_mtime > built for p in (sources() if inputs is None else inputs))


def ensure_dataset(dist: Path, build: bool = True) -> Path:
    """``dist/dataset.nq``, built first when missing or older than its sources."""
    nquads = dist / "dataset.nq"
    if build and is_stale(dist):
        from graphe.build import build as run_build

        log.info("construction du jeu de données dans %s…", dist)
        try:
            result = run_build(dist)
            log.info("%s", result.summary())
        except GrapheError as exc:
            if not nquads.is_file():
                raise
            log.warning("la construction a échoué (%s) ; le dernier jeu valide est servi.", exc)
    if not nquads.is_file():
        raise DataError(f"{nquads} : jeu de données absent (lancer « graphe build »).")
    return nquads


def settings_from(args: argparse.Namespace):
    from graphe.api.settings import Settings
    from graphe.store import make_store

    if args.timeout <= 0 or args.request_timeout <= 0:
        raise BadRequest("--timeout et --request-timeout doivent être positifs.")
    if args.workers < 1:
        raise BadRequest("--workers doit valoir au moins 1.")
    if not 0 < args.port < 65536:
        raise BadRequest("--port doit être entre 1 et 65535.")
    settings = Settings(
        dist=Path(args.dist) if args.dist else paths.DIST,
        store=args.store,
        workers=args.workers,
        timeout=args.timeout,
        row_limit=args.row_limit,
        cache_mb=max(args.cache_mb, 0),
        memory_limit_mb=args.memory_mb,
        processes=max(getattr(args, "processes", 1), 1),
        request_timeout=args.request_timeout,
    )
    make_store(settings.store_spec)  # an unknown engine is a one-line error before anything starts
    return settings


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("graphe")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


@dataclass(frozen=True)
class Listen:
    """How one server process listens (picklable: it goes to the child processes)."""

    host: str
    port: int
    log_level: str = "info"
    access_log: bool = False


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code."""
    configure_logging(args.log_level)
    settings = settings_from(args)
    if args.processes < 1:
        raise BadRequest("--processes doit valoir au moins 1.")
    nquads = ensure_dataset(settings.dist, build=not args.no_build)
    _check_named_queries(settings)
    from graphe.store import prepare_store

    prepare_store(settings.store_spec, nquads)  # once, before the server processes open it
    listen = Listen(args.host, args.port, args.log_level, args.access_log)
    _warn_about_memory(settings)
    return serve_many(settings, listen, args.processes)  # supervised even alone: a crash is restarted


def _warn_about_memory(settings) -> None:
    from graphe.memory import over_machine

    cap, count = settings.worker_memory_mb, settings.processes * settings.workers
    if cap and over_machine(cap, count):
        log.warning("attention : %d processus de requêtes à %d Mo chacun dépassent la mémoire de la machine.", count, cap)


def _check_named_queries(settings) -> None:
    """A broken ``queries/*.rq`` is a one-line DataError before anything starts."""
    from graphe import queries

    queries.catalogue(settings.queries_dir)


def serve_one(settings, listen: Listen, sock: socket.socket | None = None, ready=None) -> None:
    """One server process: the app, its query processes, uvicorn (on ``sock`` if given)."""
    import uvicorn

    from graphe.api import create_app

    app = create_app(settings)
    config = uvicorn_config(app, settings, host=listen.host, port=listen.port, log_level=listen.log_level,
                            access_log=listen.access_log, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)

    if sock is None:  # bound here: a port taken is a one-line GrapheError, in French
        sock = _listening_socket(listen.host, listen.port)

    async def serve() -> None:
        # start the query processes first: a failure is a GrapheError, not uvicorn's traceback
        await app.state.runtime.start()
        log.info("graphe sert http://%s:%d/sparql (processus %d)", listen.host, listen.port, os.getpid())
        if ready is not None:
            asyncio.get_running_loop().call_later(0.2, ready.set)  # once uvicorn listens
        await server.serve(sockets=[sock])

    _event_loop_runner()(serve())


def uvicorn_config(app, settings, **options):
    """uvicorn's configuration for ``app``: graphe's guarded HTTP protocol (431, 408), no
    Server header, the lifespan on."""
    import uvicorn

    from graphe.api.protocol import guarded_protocol

    http = guarded_protocol(settings.max_header_bytes, settings.max_headers, settings.request_timeout)
    return uvicorn.Config(app, http=http, lifespan="on", server_header=False, **options)


def _event_loop_runner():
    """uvloop's runner when installed (faster HTTP), asyncio's otherwise."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:
        return asyncio.run


# --- several server processes ----------------------------------------------------------------


def _child(settings, listen: Listen, sock: socket.socket, ready=None) -> None:
    """A server process of ``serve_many`` (its exit code says how it ended)."""
    configure_logging(listen.log_level)
    try:
        serve_one(settings, listen, sock, ready)
    except GrapheError as exc:
        log.error("graphe: %s", exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        pass


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GrapheError(f"impossible d'écouter sur {host}:{port} : {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_many(settings, listen: Listen, processes: int) -> int:
    """``processes`` server processes sharing one listening socket, under the supervisor.

    Each process is a whole endpoint with its own query processes, answer cache and health;
    the metrics are summed across them (Prometheus multiprocess mode). See
    :mod:`graphe.supervisor` for what happens when one dies.
    """
    from graphe.supervisor import supervise

    sock = _listening_socket(listen.host, listen.port)
    log.info("graphe : %d processus serveurs sur http://%s:%d/sparql", processes, listen.host, listen.port)
    return supervise(_child, (settings, listen), processes, sock)
