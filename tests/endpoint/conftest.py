"""Fixtures of the endpoint tests: the dataset, both stores, and a live server.

The live server is the real thing: ``create_app`` served by uvicorn on a free loopback port,
in a thread of the test process (so tests can read its metrics and logs), with query
processes of its own. Its limits are small so that the tests that hit them stay fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from graphe.api import Settings, create_app
from graphe.server import uvicorn_config
from graphe.store import OxigraphStore, RdflibStore, prepare_store

QUERIES = Path(__file__).parent / "queries"

#: The live server's settings (tests read these to know the limits).
LIVE = {
    "timeout": 2.0,
    "row_limit": 500,
    "workers": 2,
    "cache_mb": 16,
    "max_body": 200_000,
    "max_url": 8_192,
    "max_query_length": 50_000,
    "request_timeout": 1.5,
}


@pytest.fixture(scope="session")
def endpoint_dist(built_dist, tmp_path_factory) -> Path:
    """The ``dist/`` the endpoint serves: a copy of the session's real build (the server adds
    its on-disk database, ``oxigraph/``, which the build's own tests must not find)."""
    dist = tmp_path_factory.mktemp("endpoint") / "dist"
    shutil.copytree(built_dist, dist)
    prepare_store(Settings(dist=dist, store="oxigraph-disque").store_spec, dist / "dataset.nq")  # as serve does
    return dist


@pytest.fixture(scope="session")
def nquads(endpoint_dist) -> Path:
    return endpoint_dist / "dataset.nq"


@pytest.fixture(scope="session")
def oxigraph_store(nquads) -> OxigraphStore:
    return OxigraphStore().load(nquads)


@pytest.fixture(scope="session")
def rdflib_store(nquads) -> RdflibStore:
    return RdflibStore().load(nquads)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object
    server: uvicorn.Server
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop

    @property
    def settings(self) -> Settings:
        return self.app.state.runtime.settings

    def call(self, coroutine, timeout: float = 30):
        """Run a coroutine on the server's event loop (to reach its executor directly)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def runtime(self):
        return self.app.state.runtime

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def start_server(settings: Settings) -> LiveServer:
    """``create_app(settings)`` under uvicorn in a thread, once it answers."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn_config(app, settings, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []
    loops: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        async def main() -> None:
            loops.append(asyncio.get_running_loop())
            await app.state.runtime.start()
            await server.serve()

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"graphe-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if failure:
            raise failure[0]
        if time.monotonic() > deadline:
            raise RuntimeError("le serveur de test n'a pas démarré")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread, loops[0])


def stop_server(live: LiveServer) -> None:
    live.server.should_exit = True
    live.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live(endpoint_dist) -> LiveServer:
    server = start_server(Settings(dist=endpoint_dist, **LIVE))
    yield server
    stop_server(server)


@pytest.fixture()
def client(live) -> httpx.Client:
    with live.client() as c:
        yield c


@pytest.fixture()
def listener():
    """A local TCP listener that must receive no connection: ``(url, assert_untouched)``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"

    def assert_untouched() -> None:
        try:
            conn, _ = sock.accept()
        except TimeoutError:
            return
        conn.close()
        raise AssertionError("le serveur a ouvert une connexion vers le listener")

    yield url, assert_untouched
    sock.close()


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(record.getMessage())
        line.pop("ms")
        self.lines.append(line)


@pytest.fixture(scope="module")
def lines():
    """The query log's lines, as dicts without their time (``ms``), while a module runs."""
    log = logging.getLogger("graphe.query")
    handler, level = Lines(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    yield handler
    log.removeHandler(handler)
    log.setLevel(level)
