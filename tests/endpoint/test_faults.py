"""The faults of issue #10, each reproduced: none may take the service down or answer 500.

- the serving processes die twice, 2 s apart (as the out-of-memory killer would do them);
- an enormous request header, or too many header fields (431, then the connection closes);
- a client that sends half a request and waits (408, then the connection closes);
- a query process that dies while idle (the next request must not fail);
- unknown functions and casts the engine does not offer (400 with the engine's message);
- a GROUP_CONCAT over a cartesian product (503, never 500).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graphe import guard
from graphe.errors import BadRequest
from graphe.executor import Executor, StoreConfig

GRAPHE = Path(sys.executable).parent / "graphe"
QUICK = "SELECT ?c WHERE { ?c a cdv:Commune }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rows(response) -> int:
    assert response.status_code == 200, response.text
    return len(response.json()["results"]["bindings"])


def _serving_pid(url: str, timeout: float = 30, other_than: int | None = None) -> int:
    """The pid of the server process that answers ``url``/health (a new one if ``other_than``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with httpx.Client() as c:
                pid = c.get(url + "/health", timeout=5).json()["pid"]
            if pid != other_than:
                return pid
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    raise AssertionError("aucun processus serveur ne répond")


@pytest.mark.parametrize("processes", ["1", "2"])
def test_two_deaths_2_s_apart_do_not_stop_the_service(endpoint_dist, processes):
    port = _free_port()
    proc = subprocess.Popen(
        [GRAPHE, "serve", "--dist", str(endpoint_dist), "--no-build", "--port", str(port),
         "--processes", processes, "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        first = _serving_pid(url)
        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        second = _serving_pid(url, other_than=first) if processes == "1" else first
        if processes == "2":  # the other process answers meanwhile; wait for the replacement
            second = _serving_pid(url, other_than=first)
        time.sleep(max(0.0, 2.0 - (time.monotonic() - killed_at)))
        os.kill(second, signal.SIGKILL)
        _serving_pid(url, other_than=second)
        assert proc.poll() is None, "le superviseur s'est arrêté"
        assert _rows(httpx.post(url + "/sparql", data={"query": QUICK}, timeout=30)) == 4
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "relancé" in err and "Traceback" not in err


# --- the HTTP protocol's limits ---------------------------------------------------------------


def _exchange(live, payload_chunks, read_timeout: float = 10.0) -> tuple[bytes, bool]:
    """Send raw bytes; the server's answer and whether it closed the connection."""
    host, port = live.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(read_timeout)
    try:
        for chunk in payload_chunks:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server has closed: read what it said
        answer = b""
        closed = False
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    closed = True
                    break
                answer += data
        except TimeoutError:
            closed = False
        except ConnectionResetError:
            closed = True  # closed while our bytes were still coming in: a reset, not a FIN
        return answer, closed
    finally:
        sock.close()


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_an_enormous_header_is_431_and_not_read_into_memory(live, client):
    sent = 0

    def chunks():
        nonlocal sent
        yield b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Gros: "
        for _ in range(256):  # up to 256 MB, as in the issue; the server stops us long before
            sent += 2**20
            yield b"a" * 2**20

    answer, closed = _exchange(live, chunks())
    assert _status(answer) == 431 and closed
    assert "en-têtes trop gros".encode() in answer
    assert sent < 64 * 2**20  # refused as soon as the limit passed, not after reading it all
    assert _rows(client.post("/sparql", data={"query": QUICK})) == 4


def test_too_many_header_fields_are_431(live, client):
    fields = b"".join(b"X-%d: 1\r\n" % i for i in range(live.settings.max_headers + 1))
    answer, closed = _exchange(live, [b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n"])
    assert _status(answer) == 431 and closed
    few = b"".join(b"X-%d: 1\r\n" % i for i in range(20))
    answer, _ = _exchange(live, [b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + few + b"\r\n"])
    assert _status(answer) == 200


@pytest.mark.parametrize("half", [
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n",  # headers never end
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK",
])
def test_half_a_request_is_408_then_closed(live, half):
    # when the 408 comes, against the limit, is measured by bench/limits.py, not asserted here
    answer, closed = _exchange(live, [half], read_timeout=live.settings.request_timeout + 5)
    assert _status(answer) == 408 and closed, answer
    assert b"trop lentement" in answer


def test_a_silent_connection_is_closed(live):
    answer, closed = _exchange(live, [], read_timeout=live.settings.request_timeout + 5)
    assert answer == b"" and closed


# --- query processes ---------------------------------------------------------------------------


def _wait_until_dead(pid: int) -> None:
    """Until ``pid`` has exited (a zombie or gone), without giving the event loop a turn."""
    for _ in range(1000):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except (FileNotFoundError, ProcessLookupError):  # reaped between the open and the read: gone
            return
        time.sleep(0.005)
    raise AssertionError(f"{pid} vit encore")


def test_a_worker_dead_while_idle_is_never_handed_a_request(nquads):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=1) as ex:
            (worker,) = ex._all
            os.kill(worker.process.pid, signal.SIGKILL)
            _wait_until_dead(worker.process.pid)  # dead, and the loop has not seen its socket close
            answer = await ex.run(guard.check("ASK {}", graphs=ex.graphs), timeout=30)
            return answer.body, ex.alive, worker.process.pid, [w.process.pid for w in ex._all]

    body, alive, dead, pids = asyncio.run(scenario())
    assert b"true" in body and alive == 1 and dead not in pids


def test_a_worker_dead_while_idle_is_replaced_at_once(live, client):
    executor = live.runtime.executor
    pid = next(iter(executor._all)).process.pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pids = {w.process.pid for w in executor._all}
        if pid not in pids and len(pids) == live.settings.workers:
            break
        time.sleep(0.02)
    assert pid not in {w.process.pid for w in executor._all}
    for i in range(live.settings.workers * 2):
        assert _rows(client.post("/sparql", data={"query": QUICK + f" # {i}"})) == 4


# --- engine errors ------------------------------------------------------------------------------

ENGINE_ERRORS = {
    "conversion": ('SELECT (xsd:byte("1e99999") AS ?x) {}', "XMLSchema#byte"),
    "fonction": ("SELECT ?x { BIND(<http://example.org/f>(1) AS ?x) }", "http://example.org/f"),
    "fonction-préfixée": ("PREFIX ex: <http://example.org/> SELECT (ex:g(?s) AS ?x) { ?s ?p ?o } LIMIT 1", "http://example.org/g"),
}


@pytest.mark.parametrize("name", ENGINE_ERRORS)
def test_engine_errors_are_400_with_the_engines_message(client, oxigraph_store, name):
    text, named = ENGINE_ERRORS[name]
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 400, response.text
    assert "fonction inconnue du moteur" in response.text and named in response.text
    with pytest.raises(BadRequest, match="moteur"):
        oxigraph_store.query(text)


def test_group_concat_over_a_cartesian_product_is_never_500(live, client):
    text = "SELECT ?s (GROUP_CONCAT(STR(?o)) AS ?x) WHERE { ?s ?p ?o . ?a ?b ?c } GROUP BY ?s"
    response = client.post("/sparql", data={"query": text, "timeout": "1"})
    assert response.status_code == 503, response.text
    assert "délai" in response.text or "mémoire" in response.text
    assert _rows(client.post("/sparql", data={"query": QUICK + " # après"})) == 4
