"""Every named query on the engine alone, in this process: median, rows, slowest first.

For finding *why* a named query is slow at scale without HTTP, workers or caches in the way:
pyoxigraph opens the store (an on-disk database read-only, as the workers do, or N-Quads
loaded in memory), each query runs bound with its defaults (as ``/queries/{name}`` binds it)
over the union of the named graphs, once to warm up and then up to ``--iterations`` times
within ``--budget`` seconds; a run longer than ``--limit`` seconds is not repeated.

    .venv/bin/python bench/named_engine.py build/x300/oxigraph      # a prepared database
    .venv/bin/python bench/named_engine.py dist/dataset.nq --only partenaires

(pyoxigraph 0.5 has no ``explain``: a slow query is taken apart by running its parts here.)
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from graphe.cli.parser import FrenchParser
from graphe.queries import catalogue

ROOT = Path(__file__).resolve().parents[1]


def open_store(path: Path) -> ox.Store:
    if path.is_dir():
        return ox.Store.read_only(str(path))
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * PAGE


def run_once(store: ox.Store, text: str) -> tuple[float, int, int]:
    """Seconds, rows, and the peak of this process's RSS during the query (sampled every 2 ms)."""
    peak, done = [rss()], threading.Event()

    def watch() -> None:
        while not done.wait(0.002):
            peak[0] = max(peak[0], rss())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    result = store.query(text, use_default_graph_as_union=True)
    rows = sum(1 for _ in result) if isinstance(result, ox.QuerySolutions) else 1
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    return seconds, rows, max(peak[0], rss())


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Les requêtes nommées sur le moteur seul, dans ce processus.")
    p.add_argument("store", type=Path, help="une base Oxigraph préparée (dossier) ou un fichier N-Quads")
    p.add_argument("--queries", type=Path, default=ROOT / "queries", help="dossier des requêtes nommées")
    p.add_argument("--only", default="", help="seulement les requêtes dont le nom contient ce texte")
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--budget", type=float, default=5.0, help="secondes par requête au plus")
    p.add_argument("--limit", type=float, default=10.0, help="au-delà, une seule mesure")
    args = p.parse_args(argv)
    if not args.store.exists():
        p.error(f"{args.store} : introuvable")
    t0 = time.perf_counter()
    store = open_store(args.store)
    print(f"· magasin ouvert en {time.perf_counter() - t0:.2f} s", flush=True)
    figures = []
    for q in catalogue(args.queries):
        if args.only not in q.name:
            continue
        text = q.bind({})
        first, rows, peak = run_once(store, text)
        times = [first]
        spent = first
        while first < args.limit and len(times) <= args.iterations and spent < args.budget:
            t, _, _ = run_once(store, text)
            times.append(t)
            spent += t
        median = statistics.median(times[1:] or times)
        figures.append((q.name, median * 1000, rows, len(times), peak / 1e6))
        print(f"  {q.name:32s} {median * 1000:10.1f} ms  {rows:8d} lignes  RSS max. {peak / 1e6:6.0f} Mo", flush=True)
    print("\nrequête, médiane (ms), lignes, mesures, RSS max. du processus (Mo) — la plus lente d'abord")
    for name, ms, rows, n, mb in sorted(figures, key=lambda f: -f[1]):
        mark = "  " if ms < 100 else "> "
        print(f"{mark}{name:32s} {ms:10.1f} {rows:8d} {n:3d} {mb:8.0f}")
    slow = sum(1 for f in figures if f[1] >= 100)
    print(f"\n{len(figures) - slow} sur {len(figures)} sous 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
