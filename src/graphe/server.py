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
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from graphe.errors import GrapheError

log = logging.getLogger("graphe.server")


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def ensure_dataset(dist: Path, build: bool = True) -> Path:
    """``dist/dataset.nq``, rebuilt first when stale (the one rule of :mod:`graphe.build.fresh`)."""
    from graphe.build import ensure_built

    return ensure_built(dist, rebuild=build) / "dataset.nq"


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


def _check_named_queries(settings) -> None:
    """A broken ``queries/*.rq`` is a one-line DataError before anything starts."""
    from graphe import queries

    queries.catalogue(settings.queries_dir)


def serve_one(settings, listen: Listen, sock: socket.socket | None = None) -> None:
    """One server process: the app, its query processes, uvicorn (on ``sock`` if given)."""
    import uvicorn

    from graphe.api import create_app

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=listen.host,
        port=listen.port,
        log_level=listen.log_level,
        access_log=listen.access_log,
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)

    if sock is None:  # bound here: a port taken is a one-line GrapheError, in French
        sock = _listening_socket(listen.host, listen.port)

    async def serve() -> None:
        # start the query processes first: a failure is a GrapheError, not uvicorn's traceback
        await app.state.runtime.start()
        log.info("graphe sert http://%s:%d/sparql (processus %d)", listen.host, listen.port, os.getpid())
        await server.serve(sockets=[sock])

    _event_loop_runner()(serve())


def _event_loop_runner():
    """uvloop's runner when installed (faster HTTP), asyncio's otherwise."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:
        return asyncio.run


# --- several server processes ----------------------------------------------------------------


def _child(settings, listen: Listen, sock: socket.socket) -> None:
    """A server process of ``serve_many`` (its exit code says how it ended)."""
    configure_logging(listen.log_level)
    try:
        serve_one(settings, listen, sock)
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
    """``processes`` server processes sharing one listening socket (HTTP on every core).

    Each process is a whole endpoint with its own query processes, answer cache and health;
    the metrics are summed across them (Prometheus multiprocess mode). A process that dies is
    replaced; one that fails as it starts stops everything with its exit code.
    """
    import multiprocessing
    import multiprocessing.connection

    sock = _listening_socket(listen.host, listen.port)
    metrics_dir = tempfile.mkdtemp(prefix="graphe-metriques-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    ctx = multiprocessing.get_context("spawn")
    children: dict[int, tuple] = {}
    stopping = False

    def start(slot: int) -> None:
        proc = ctx.Process(target=_child, args=(settings, listen, sock), name=f"graphe-serveur-{slot}")
        proc.start()
        children[slot] = (proc, time.monotonic())

    def on_term(signum, frame):
        raise KeyboardInterrupt

    # both stop everything (SIGINT too: a shell starts background jobs with it ignored)
    previous = {sig: signal.signal(sig, on_term) for sig in (signal.SIGTERM, signal.SIGINT)}
    code = 0
    try:
        for slot in range(processes):
            start(slot)
        log.info("graphe : %d processus serveurs sur http://%s:%d/sparql", processes, listen.host, listen.port)
        while True:
            sentinels = {proc.sentinel: slot for slot, (proc, _) in children.items()}
            for ready in multiprocessing.connection.wait(list(sentinels)):
                slot = sentinels[ready]
                proc, started = children[slot]
                proc.join()
                _forget_metrics(proc.pid)
                if proc.exitcode and time.monotonic() - started < 15:
                    code = proc.exitcode if proc.exitcode > 0 else 1
                    log.error("graphe : un processus serveur n'a pas démarré (code %s) ; arrêt.", proc.exitcode)
                    return code
                log.warning("graphe : processus serveur %d arrêté (code %s) ; remplacé.", proc.pid, proc.exitcode)
                start(slot)
    except KeyboardInterrupt:
        stopping = True
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for proc, _ in children.values():
            if proc.is_alive():
                proc.terminate()
        for proc, _ in children.values():
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if stopping:
            log.info("graphe : arrêté.")


def _forget_metrics(pid: int) -> None:
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
    except (ImportError, OSError):
        pass
