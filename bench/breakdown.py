"""Where the named queries' latency goes: graphe over HTTP against pyoxigraph in this process.

For every named query (bound with its defaults, sent to ``/sparql`` as ``targets.py`` does:
POST, uncached, one keep-alive connection), the medians of:

- **moteur**: pyoxigraph in this process, the query evaluated and its answer written (SPARQL
  JSON, or N-Triples for graphs) — the floor;
- **serveur**: graphe's own time for the query, from its ``Server-Timing`` header (the guard,
  the evaluation, the writing, in the server process or a query process);
- **aller-retour**: the client's wall time to the last byte;
- **HTTP**: aller-retour − serveur, the HTTP round trip (client, kernel, uvicorn, the app's
  routing and headers), and beside it the same for ``ASK {}``, the floor of an answer;

with the answer's size, then the geometric means and the ratio aller-retour ÷ moteur (the
issue's target: ≤ 1.5). A graphe server is started on ``dist/dataset.nq`` unless ``--url``
names one already running.

    .venv/bin/python bench/breakdown.py [--graphe-args '--inline-ms 0']
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import servers  # noqa: E402
import targets  # noqa: E402


def timed(port: int, path: str, text: str, kind: str, iterations: int) -> tuple[float, float, int]:
    """(median round trip ms, median Server-Timing ms, answer bytes) over one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": run.ACCEPT[kind],
               "Cache-Control": "no-cache"}
    trips, server, size = [], [], 0
    for i in range(iterations + 1):
        body = urlencode({"query": f"{text}\n# detail {os.getpid()}-{i}"})
        t0 = time.perf_counter()
        conn.request("POST", path, body, headers)
        resp = conn.getresponse()
        payload = resp.read()
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status} : {payload[:200]!r}")
        timing = resp.getheader("Server-Timing") or "requete;dur=0"
        if i:
            trips.append(elapsed)
            server.append(float(timing.split("dur=")[1]))
        size = len(payload)
    conn.close()
    return statistics.median(trips), statistics.median(server), size


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Latence des requêtes nommées : où va le temps de graphe.")
    p.add_argument("--nquads", type=Path, default=run.ROOT / "dist" / "dataset.nq")
    p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--url", default=None, help="un graphe déjà lancé (http://127.0.0.1:PORT/sparql)")
    p.add_argument("--graphe-args", default="")
    args = p.parse_args(argv)
    nquads = args.nquads.resolve()
    queries = [q for q in run.load_queries(run.ROOT) if q.named]
    local = targets.in_process_ms(nquads, queries, args.iterations)
    srv = None
    if args.url:
        parts = urlsplit(args.url)
        port, path = parts.port, parts.path
    else:
        graphe_bin = Path(sys.executable).parent / "graphe"
        work = servers.scratch_dir()
        srv = servers.graphe_server(graphe_bin, nquads, work, args.graphe_args.split())
        srv.start(work)
        port, path = srv.port, srv.path
    try:
        floor = timed(port, path, "ASK {}", "table", args.iterations)
        rows = [(q.name.removeprefix("nommée:"), local[q.name], *timed(port, path, q.text, q.kind, args.iterations))
                for q in queries]
    finally:
        if srv is not None:
            srv.stop()
    print(f"{'requête':32s} {'moteur':>7s} {'serveur':>7s} {'HTTP':>6s} {'aller-retour':>12s} {'÷ moteur':>8s} {'octets':>8s}")
    print(f"{'(ASK {})':32s} {'':>7s} {floor[1]:7.2f} {floor[0] - floor[1]:6.2f} {floor[0]:12.2f} {'':>8s} {floor[2]:8d}")
    for name, engine, trip, server, size in rows:
        print(f"{name[:32]:32s} {engine:7.2f} {server:7.2f} {trip - server:6.2f} {trip:12.2f} {trip / engine:8.2f} {size:8d}")
    g = {k: run.geomean([r[i] for r in rows]) for k, i in (("moteur", 1), ("aller-retour", 2), ("serveur", 3))}
    print(f"moyennes géométriques (ms) : moteur {g['moteur']:.2f}, serveur {g['serveur']:.2f}, "
          f"aller-retour {g['aller-retour']:.2f} ; aller-retour ÷ moteur {g['aller-retour'] / g['moteur']:.2f} "
          f"(objectif ≤ 1,5) ; charge {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
