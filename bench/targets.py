"""Every serving target of issue #10 at the annex's size, graphe beside Oxigraph server, one run.

Both servers serve the same N-Quads (``dist/dataset.nq``) on loopback, one after the other,
and the script prints one table (graphe, Oxigraph server, their ratio) and a verdict per target:

- **cold start** < 1 s: from spawning ``graphe serve`` (with a built ``dist/``) to its first
  200 on ``/sparql`` (Oxigraph's ``load`` + ``optimize``, done beforehand, on its own line);
- **memory** < 250 MB: the peak RSS of the server's whole process tree (sampled every 50 ms,
  an upper bound: pages shared between processes are counted in each), and its PSS after the
  load (``/proc/PID/smaps_rollup``: shared pages divided among the processes that share them);
- **requests/s at 32 clients**, uncached (a unique comment per request) ≥ Oxigraph server's,
  with the CPU time per request of the whole tree (``overhead.py``'s method) and graphe's
  overhead above the engine (pyoxigraph in this process, Oxigraph's JSON writer) ≤ 150 µs;
- **latency of the named queries**: geometric mean of the medians (uncached, one keep-alive
  connection, ``run.py``'s method) ≤ 1.5 × pyoxigraph in this process on the same data (the
  query evaluated and its answer written: SPARQL JSON, or N-Triples for graphs).

Beside them, two **floors**, measured the same way: ``plancher``, ``floor_app.py`` (uvicorn and
pyoxigraph with nothing of graphe's around: no guard, log, metrics, limits or isolation), what
graphe's stack allows at best — a target it misses is out of reach of any work inside graphe;
and ``granian``, the same app under Granian (HTTP in Rust) with two worker processes, what a
Python server on this engine could do by leaving uvicorn and using both cores.

    nice -n 10 .venv/bin/python bench/targets.py            # ~1 minute
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import overhead  # noqa: E402
import run  # noqa: E402
import servers  # noqa: E402


def tree_pss(root: int) -> int:
    """Proportional set size of the process tree under ``root``, in bytes."""
    total = 0
    for pid in servers.tree_pids(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def in_process_ms(nquads: Path, queries: list[run.Query], iterations: int) -> dict[str, float]:
    """Median ms per named query for pyoxigraph in this process (evaluate + write the answer)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    out = {}
    for q in queries:
        samples = []
        for i in range(iterations + 1):
            t0 = time.perf_counter()
            answer = store.query(f"{q.text}\n# moteur {i}", use_default_graph_as_union=True)
            if isinstance(answer, ox.QueryTriples):
                answer.serialize(format=ox.RdfFormat.N_TRIPLES)
            else:
                answer.serialize(format=ox.QueryResultsFormat.JSON)
            if i:
                samples.append((time.perf_counter() - t0) * 1000)
        out[q.name] = statistics.median(samples)
    return out


def measure(srv: servers.Server, work: Path, queries: list[run.Query], args) -> dict:
    cold = srv.start(work)
    try:
        medians = {}
        for q in queries:
            t = run.time_query(srv, q, args.iterations, args.budget, 30.0)
            medians[q.name] = t.median
        cpu_us, rps, _ = overhead.server_cpu_us(srv, run.CHEAP_QUERY, args.clients, args.seconds)
        pss = tree_pss(srv.process.pid)
    finally:
        srv.stop()
    return {"prepare": srv.prepare_s, "cold": cold, "rss": srv.peak_rss, "pss": pss, "rps": rps, "cpu_us": cpu_us, "medians": medians}


def main(argv: list[str] | None = None) -> int:
    p = overhead.load_arguments(FrenchParser(description="Les objectifs de service de l'issue #10 (taille de l'annexe)."))
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--budget", type=float, default=2.0)
    args = p.parse_args(argv)
    nquads = args.nquads.resolve()
    graphe_bin = Path(sys.executable).parent / "graphe"
    run.ensure_built(nquads, graphe_bin)
    bench_bin = run.ensure_venv()
    queries = [q for q in run.load_queries(run.ROOT) if q.named]
    load_before = os.getloadavg()
    engine_us = overhead.engine_cpu_us(nquads, run.CHEAP_QUERY, 2000)
    local = in_process_ms(nquads, queries, args.iterations)
    work = servers.scratch_dir()
    try:
        g = measure(servers.graphe_server(graphe_bin, nquads, work, args.graphe_args.split()), work, queries, args)
        f = measure(servers.floor_server(Path(sys.executable), nquads), work, queries, args)
        r = measure(servers.granian_floor_server(bench_bin, nquads), work, queries, args)
        o = measure(servers.oxigraph_server(bench_bin, nquads, work), work, queries, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    every = (g, f, r, o)
    names = [q.name for q in queries if all(m["medians"][q.name] for m in every)]
    g_lat, f_lat, r_lat, o_lat = (run.geomean([m["medians"][n] for n in names]) for m in every)
    e_lat = run.geomean([local[n] for n in names])
    rows = [
        ("démarrage à froid (s)", "cold", 1),
        ("RSS max. de l'arbre (Mo)", "rss", 1e6),
        ("PSS de l'arbre après la charge (Mo)", "pss", 1e6),
        (f"requêtes/s, {args.clients} clients", "rps", 1),
        ("CPU par requête, arbre entier (µs)", "cpu_us", 1),
    ]
    print(f"graphe · plancher (uvicorn + pyoxigraph seuls) · granian (le même, Granian, 2 processus) · "
          f"Oxigraph server — {nquads.name} ({nquads.stat().st_size / 1e6:.1f} Mo), {len(names)} requêtes nommées, "
          f"charge au début {load_before[0]:.1f} / {load_before[1]:.1f} (1 / 5 min), à la fin {os.getloadavg()[0]:.1f}")
    print(f"{'mesure':40s} {'graphe':>9s} {'plancher':>9s} {'granian':>9s} {'oxigraph':>9s} "
          f"{'g÷o':>6s} {'p÷o':>6s} {'gr÷o':>6s}")
    table = [(label, *(m[key] / unit for m in every)) for label, key, unit in rows]
    table.append(("latence nommées, moy. géom. (ms)", g_lat, f_lat, r_lat, o_lat))
    for label, a, b, c, d in table:
        print(f"{label:40s} {run.fmt(a):>9s} {run.fmt(b):>9s} {run.fmt(c):>9s} {run.fmt(d):>9s} "
              f"{run.ratio(a, d):>6s} {run.ratio(b, d):>6s} {run.ratio(c, d):>6s}")
    print(f"{'  Oxigraph : load + optimize avant (s)':40s} {'':>9s} {'':>9s} {'':>9s} {run.fmt(o['prepare']):>9s}")
    print(f"{'moteur en processus : latence (ms)':40s} {run.fmt(e_lat):>10s}")
    print(f"{'moteur en processus : CPU/requête (µs)':40s} {run.fmt(engine_us):>10s}")
    checks = [
        ("démarrage à froid < 1 s", g["cold"] < 1.0, f"{g['cold']:.2f} s"),
        ("RSS de l'arbre < 250 Mo", g["rss"] < 250e6, f"{g['rss'] / 1e6:.0f} Mo (PSS {g['pss'] / 1e6:.0f} Mo)"),
        ("requêtes/s ≥ Oxigraph server", g["rps"] >= o["rps"],
         f"{run.ratio(g['rps'], o['rps'])}× (plancher : {run.ratio(f['rps'], o['rps'])}×, "
         f"granian : {run.ratio(r['rps'], o['rps'])}×)"),
        ("surcoût CPU ≤ 150 µs au-dessus du moteur", g["cpu_us"] - engine_us <= 150,
         f"{g['cpu_us'] - engine_us:.0f} µs (plancher : {f['cpu_us'] - engine_us:.0f} µs, "
         f"granian : {r['cpu_us'] - engine_us:.0f} µs)"),
        ("latence nommées ≤ 1,5 × pyoxigraph en processus", g_lat is not None and e_lat is not None
         and g_lat <= 1.5 * e_lat, f"{run.ratio(g_lat, e_lat)}× (plancher : {run.ratio(f_lat, e_lat)}×, "
         f"granian : {run.ratio(r_lat, e_lat)}×, Oxigraph server : {run.ratio(o_lat, e_lat)}×)"),
    ]
    print("Objectifs (issue #10, taille de l'annexe) :")
    for label, ok, detail in checks:
        print(f"  [{'OK' if ok else 'NON':>3}] {label} : {detail}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
