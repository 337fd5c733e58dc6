"""CPU per request: what graphe spends above the engine, beside Oxigraph server.

Wall-clock figures on a shared 2-core machine move with everyone else's load; CPU time spent by
the server's own processes does much less. For the cheap query of ``run.py`` (the four
communes), ``--requests`` requests are sent by ``wrk`` at ``--clients`` concurrent clients
(uncached: a unique comment each), and the CPU time (user + system) of the server's whole
process tree is read from /proc before and after. Printed per request, in µs:

- **engine**: pyoxigraph in this process, the same query parsed, evaluated and written as
  SPARQL JSON by Oxigraph's own serialiser — the floor any server embedding it pays;
- **graphe** and **Oxigraph server** (its Rust HTTP server on the same engine);
- graphe's **overhead above the engine** (graphe − engine), the issue's target being ≤ 150 µs.

    .venv/bin/python bench/overhead.py --nquads dist/dataset.nq
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
import run  # noqa: E402
import scale  # noqa: E402
import servers  # noqa: E402


def load_arguments(p: FrenchParser) -> FrenchParser:
    """The data, the load and graphe's options, as every script measuring under load takes them."""
    p.add_argument("--nquads", type=Path, default=run.ROOT / "dist" / "dataset.nq")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--graphe-args", default="")
    return p


def engine_cpu_us(nquads: Path, query: str, n: int) -> float:
    """µs of CPU for pyoxigraph to answer ``query`` as SPARQL JSON, in process."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    for i in range(50):
        store.query(f"{query}\n# {i}", use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    t0 = time.process_time()
    for i in range(n):
        store.query(f"{query}\n# e{i}", use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    return (time.process_time() - t0) / n * 1e6


def _per_process(root: int) -> dict[int, tuple[str, float]]:
    """pid → (its role, CPU seconds) for every process of the tree."""
    out = {}
    for pid in servers.tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "forkserver" in cmd:
            role = "processus de requêtes"
        elif "spawn_main" in cmd:
            role = "processus serveurs HTTP"
        else:
            role = "superviseur et autres"
        out[pid] = (role, (int(fields[11]) + int(fields[12])) / scale.TICK)
    return out


def server_cpu_us(srv: servers.Server, query: str, clients: int, seconds: float) -> tuple[float, float, dict]:
    """(µs of the server tree's CPU per request, requests/s, µs per request by role)."""
    loadgen.run(srv.url, query, clients, 1.0)  # warm up
    before = scale.tree_cpu(srv.process.pid)
    parts = _per_process(srv.process.pid)
    result = loadgen.run(srv.url, query, clients, seconds)
    spent = scale.tree_cpu(srv.process.pid) - before
    roles: dict[str, float] = {}
    for pid, (role, cpu) in _per_process(srv.process.pid).items():
        roles[role] = roles.get(role, 0.0) + cpu - parts.get(pid, (role, 0.0))[1]
    n = max(result.requests, 1)
    return spent / n * 1e6, result.rps, {r: v / n * 1e6 for r, v in roles.items()}


def main(argv: list[str] | None = None) -> int:
    p = load_arguments(FrenchParser(description="CPU par requête : graphe au-dessus du moteur, à côté d'Oxigraph server."))
    args = p.parse_args(argv)
    nquads = args.nquads.resolve()
    graphe_bin = Path(sys.executable).parent / "graphe"
    bench_bin = run.ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="graphe-surcout-"))
    engine = engine_cpu_us(nquads, run.CHEAP_QUERY, 2000)
    figures = {}
    for name in ("graphe", "oxigraph"):
        if name == "graphe":
            srv = servers.graphe_server(graphe_bin, nquads, work, args.graphe_args.split())
        else:
            srv = servers.oxigraph_server(bench_bin, nquads, work)
        srv.start(work)
        try:
            figures[name] = server_cpu_us(srv, run.CHEAP_QUERY, args.clients, args.seconds)
        finally:
            srv.stop()
    subprocess.run(["rm", "-rf", str(work)], check=False)
    g, o = figures["graphe"], figures["oxigraph"]
    print(f"CPU par requête ({args.clients} clients, {args.seconds:.0f} s, charge {os.getloadavg()[0]:.1f}) :")
    print(f"  moteur seul (pyoxigraph en processus, JSON d'Oxigraph) : {engine:8.0f} µs")
    print(f"  graphe                                                : {g[0]:8.0f} µs  ({g[1]:,.0f} req/s)")
    for role, us in sorted(g[2].items()):
        print(f"    dont {role:48s}: {us:8.0f} µs")
    print(f"  Oxigraph server                                       : {o[0]:8.0f} µs  ({o[1]:,.0f} req/s)")
    print(f"  surcoût de graphe au-dessus du moteur                 : {g[0] - engine:8.0f} µs (objectif ≤ 150)")
    print(f"  graphe ÷ Oxigraph server : CPU {g[0] / o[0]:.2f}, débit {g[1] / o[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
