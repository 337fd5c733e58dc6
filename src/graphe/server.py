"""Serving the dataset over HTTP: one or several server processes (``graphe serve``).

The command is the README's main job: on a fresh clone it builds ``dist/`` (calling
:func:`graphe.build.build`), starts the query processes, and only then opens the port, so a
client never meets a half-started server. Problems found before the port opens (no dataset,
a broken named query, an unreadable dump) are :class:`graphe.errors.GrapheError`\\ s: one line
and an exit code, never a traceback. When a rebuild fails but an earlier good ``dist/``
exists, that one is served (invalid data never replaces valid data) and a warning says so.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from graphe.errors import GrapheError

log = logging.getLogger("graphe.server")


def default_processes(settings=None) -> int:
    """Server processes when ``--processes`` is not given: one per core (at most 4), or one when
    the data is small enough to be served from memory (``settings`` given), where most queries
    are answered in the server process itself (graphe.inline) and each extra process costs
    ~80 MB and its own query processes."""
    if settings is not None and settings.store == "oxigraph" and settings.store_spec == "oxigraph":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def ensure_dataset(dist: Path, build: bool = True, project=None) -> Path:
    """``dist/dataset.nq``, rebuilt first when stale (the one rule of :mod:`graphe.build.fresh`)."""
    from graphe.build import ensure_built

    return ensure_built(dist, rebuild=build, project=project) / "dataset.nq"


def configure_logging(level: str) -> None:
    from graphe.journal import BatchHandler

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("graphe")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    queries = logging.getLogger("graphe.query")  # one line per query: written in batches
    batch = BatchHandler(sys.stderr)
    batch.setFormatter(logging.Formatter("%(message)s"))
    queries.handlers[:] = [batch]
    queries.propagate = False


@dataclass(frozen=True)
class Listen:
    """How one server process listens (picklable: it goes to the child processes)."""

    host: str
    port: int
    log_level: str = "info"
    access_log: bool = False


def _check_named_queries(settings) -> None:
    """A broken ``queries/*.rq`` is a one-line DataError before anything starts."""
    from graphe import queries

    queries.catalogue(settings.queries_dir)


def serve_one(settings, listen: Listen, sock: socket.socket | None = None, ready=None, gate=None) -> None:
    """One server process: the app, its query processes, uvicorn (on ``sock`` if given).

    ``gate`` (an Event) is set by the supervisor once the dataset is ready: the app's imports,
    the longest part of a cold start, happen meanwhile.
    """
    from graphe.worker import warm_up

    warm_up()  # the fork server's imports (the query processes' parent) overlap the app's

    from graphe.api import create_app

    app = create_app(settings)
    config = uvicorn_config(app, settings, host=listen.host, port=listen.port, log_level=_uvicorn_level(listen.log_level),
                            access_log=listen.access_log, timeout_graceful_shutdown=5)
    server = _FlushingServer(config)

    if sock is None:  # bound here: a port taken is a one-line GrapheError, in French
        sock = _listening_socket(listen.host, listen.port)

    async def serve() -> None:
        if gate is not None:  # the dataset is being built or checked by the supervisor
            await asyncio.get_running_loop().run_in_executor(None, gate.wait)
        # start the query processes first: a failure is a GrapheError, not uvicorn's traceback
        await app.state.runtime.start()
        log.info("graphe sert http://%s:%d/sparql (processus %d)", listen.host, listen.port, os.getpid())
        if ready is not None:
            asyncio.get_running_loop().call_later(0.2, ready.set)  # once uvicorn listens
        await server.serve(sockets=[sock])

    _event_loop_runner()(serve())


def _FlushingServer(config):
    """uvicorn's server, the query log written out when it stops (uvicorn then raises the
    SIGTERM it caught again, and the process ends without running its exit handlers)."""
    import uvicorn

    class FlushingServer(uvicorn.Server):
        async def shutdown(self, sockets=None) -> None:
            try:
                await super().shutdown(sockets=sockets)
            finally:
                for handler in logging.getLogger("graphe.query").handlers:
                    handler.flush()

    return FlushingServer(config)


def _uvicorn_level(level: str) -> str:
    """uvicorn's own lines are English and repeat graphe's French ones ("graphe sert …"): at the
    default level only its warnings and errors show; ``--log-level debug`` shows them all."""
    return level if level.lower() == "debug" else max(level.lower(), "warning", key=_LEVELS.index)


_LEVELS = ["debug", "info", "warning", "error", "critical"]


def uvicorn_config(app, settings, **options):
    """uvicorn's configuration for ``app``: graphe's guarded HTTP protocol (431, 408, and
    ``/sparql``'s common requests answered at once by ``app.quick``), no Server header, the
    lifespan on."""
    import uvicorn

    from graphe.api.protocol import guarded_protocol

    http = guarded_protocol(settings.max_header_bytes, settings.max_headers, settings.request_timeout,
                            getattr(app, "quick", None))
    return uvicorn.Config(app, http=http, lifespan="on", server_header=False, **options)


def _event_loop_runner():
    """uvloop's runner when installed (faster HTTP), asyncio's otherwise."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:
        return asyncio.run


# --- several server processes ----------------------------------------------------------------


def _child(settings, listen: Listen, sock: socket.socket, ready=None, gate=None) -> None:
    """A server process of ``serve_many`` (its exit code says how it ended)."""
    configure_logging(listen.log_level)
    try:
        serve_one(settings, listen, sock, ready, gate)
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


def serve_many(settings, listen: Listen, processes: int, prepare=None) -> int:
    """``processes`` server processes sharing one listening socket, under the supervisor.

    Each process is a whole endpoint with its own query processes, answer cache and health;
    with several, the metrics are summed across them (Prometheus multiprocess mode). See
    :mod:`graphe.supervisor` for what happens when one dies. ``prepare`` (the dataset's build
    or check, see :mod:`graphe.apart`) runs while they start; they open the port after it.
    """
    from graphe.supervisor import supervise

    sock = _listening_socket(listen.host, listen.port)
    log.info("graphe : %d processus serveur%s sur http://%s:%d/sparql", processes, "s" if processes > 1 else "",
             listen.host, listen.port)
    return supervise(_child, (settings, listen), processes, sock, prepare)


def warn_about_memory(settings) -> None:
    """A warning when the query processes' memory caps add up to more than the machine has."""
    from graphe.memory import over_machine

    cap, count = settings.worker_memory_mb, settings.processes * settings.workers
    if cap and over_machine(cap, count):
        log.warning("attention : %d processus de requêtes à %d Mo chacun dépassent la mémoire de la machine.", count, cap)
