"""How soon after its limit graphe stops what it must stop: figures the tests no longer assert.

The tests check *that* a never-ending query gets 503 and half a request 408 (with the French
message naming the limit); *when* depends on the machine, so it is measured here, each beside
its limit: a ratio near 1 means the limit is kept, well above 1 that it is late, below 1 that
it cut early (a bug).

- the server's query limit (``--timeout``) on a never-ending query;
- a client's shorter ``timeout=`` (0.5 s) on the same query;
- ``--request-timeout`` on a request whose headers never end.

Run: ``.venv/bin/python bench/limits.py`` (about half a minute; builds ``dist/`` if missing).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import servers  # noqa: E402

from graphe.cli.parser import FrenchParser  # noqa: E402

NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def timed_query(port: int, params: dict) -> tuple[int, float]:
    """Status and seconds until the answer of a POSTed query."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.monotonic()
    conn.request("POST", "/sparql", urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, time.monotonic() - t0


def timed_half_request(port: int) -> tuple[bytes, float]:
    """The status line and seconds until graphe answers headers that never end."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        t0 = time.monotonic()
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
        data = s.recv(4096)
        return data.split(b"\r\n", 1)[0], time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Le temps réel des limites de graphe serve, chacune à côté de sa valeur.")
    p.add_argument("--nquads", type=Path, default=run.ROOT / "dist" / "dataset.nq")
    p.add_argument("--timeout", type=float, default=3.0, help="limite des requêtes du serveur (s)")
    p.add_argument("--request-timeout", type=float, default=2.0, help="limite de réception d'une requête (s)")
    args = p.parse_args(argv)
    run.ensure_built(args.nquads.resolve(), Path(sys.executable).parent / "graphe")
    work = Path(tempfile.mkdtemp(prefix="graphe-limites-"))
    server = servers.graphe_server(Path(sys.executable).parent / "graphe", args.nquads.resolve(), work,
                                   ["--timeout", str(args.timeout), "--request-timeout", str(args.request_timeout)])
    server.start(work)
    try:
        rows = []
        status, seconds = timed_query(server.port, {"query": NEVER_ENDS})
        rows.append(("requête sans fin, limite du serveur", str(status), args.timeout, seconds))
        status, seconds = timed_query(server.port, {"query": NEVER_ENDS + " # client", "timeout": "0.5"})
        rows.append(("requête sans fin, timeout=0.5 du client", str(status), 0.5, seconds))
        line, seconds = timed_half_request(server.port)
        rows.append(("en-têtes sans fin", line.decode(errors="replace").split(" ")[1], args.request_timeout, seconds))
    finally:
        server.stop()
    print(f"{'mesure':42} {'réponse':>8} {'limite (s)':>11} {'réponse après (s)':>18} {'rapport':>8}")
    for name, status, limit, seconds in rows:
        print(f"{name:42} {status:>8} {limit:>11.2f} {seconds:>18.2f} {seconds / limit:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
