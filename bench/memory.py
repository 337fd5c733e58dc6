"""Where graphe serve's memory goes, process by process (``/proc/PID/smaps_rollup``).

Starts ``graphe serve`` on a built dataset (``--dist``: a directory with ``dataset.nq`` and,
for a large one, its ``oxigraph/`` database), sends every named query (bound with its
defaults) ``--rounds`` times through ``/sparql`` with a few clients at once, so that every
query process has worked, then prints for each process of the tree its role, RSS (what the
benchmarks sum: shared pages counted in every process), PSS (shared pages divided among the
processes that map them), and the anonymous (private heap: the engine's caches, Python) and
file-backed parts — beside the same figures of Oxigraph server when ``--oxigraph`` is given.

    nice -n 10 .venv/bin/python bench/memory.py --dist build/x300 [--graphe-args '--processes 1']
"""

from __future__ import annotations

import http.client
import json
import shlex
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import servers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Anonymous")


def rollup(pid: int) -> dict[str, int]:
    """The smaps_rollup figures of ``pid``, in bytes (empty when it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in FIELDS:
                    out[key] = int(rest.split()[0]) * 1024
    except OSError:
        return {}
    return out


def role(pid: int) -> str:
    """What a process of the tree is, from its command line and threads' names."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    if "forkserver" in cmd:
        return "serveur de fork"
    if "graphe serve" in cmd or "/graphe serve" in cmd or cmd.split(" ")[1:2] == ["serve"]:
        return "superviseur"
    if "spawn_main" in cmd:
        return "processus serveur"
    if "oxigraph" in cmd:
        return "oxigraph"
    return "processus de requêtes" if "fork" in cmd or not cmd.strip() else cmd[:40]


def snapshot(root: int) -> list[tuple[int, str, dict[str, int]]]:
    pids = servers.tree_pids(root)
    parents = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_bytes()
            parents[pid] = int(stat[stat.rindex(b")") + 2 :].split()[1])
        except OSError:
            continue
    rows = []
    for pid in pids:
        name = role(pid)
        if name.startswith("processus de requêtes") or (parents.get(pid) and role(parents[pid]) == "serveur de fork"):
            name = "processus de requêtes"
        rows.append((pid, name, rollup(pid)))
    return rows


def exercise(server: servers.Server, rounds: int, clients: int) -> list[str]:
    """Every named query ``rounds`` times, ``clients`` at once; the failed ones (name, status)."""
    named = [q for q in run.load_queries(ROOT) if q.named] * rounds

    def one(q) -> str | None:
        text = q.text
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        body = urlencode({"query": f"{text}\n# memoire {time.perf_counter_ns()}"}).encode()
        conn.request("POST", server.path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Accept": "application/sparql-results+json",
                                                 "Cache-Control": "no-cache"})
        status = conn.getresponse().status
        conn.close()
        return None if status == 200 else f"{q.name.split(':')[1]} ({status})"

    with ThreadPoolExecutor(clients) as pool:
        return [f for f in pool.map(one, named) if f]


def report(name: str, rows: list[tuple[int, str, dict[str, int]]], peak: int) -> None:
    mb = 1e6
    print(f"\n{name} — pic de RSS de l'arbre pendant la mesure : {peak / mb:.0f} Mo")
    print(f"  {'pid':>7}  {'rôle':24s} {'RSS':>7} {'PSS':>7} {'PSS anon':>9} {'PSS fich.':>9} {'anonyme':>8}  (Mo)")
    totals = dict.fromkeys(FIELDS, 0)
    for pid, what, fig in rows:
        for k in FIELDS:
            totals[k] += fig.get(k, 0)
        print(f"  {pid:>7}  {what:24s} " + " ".join(f"{fig.get(k, 0) / mb:>{w}.0f}" for k, w in
                                                     zip(FIELDS, (7, 7, 9, 9, 8))))
    print(f"  {'':>7}  {'total':24s} " + " ".join(f"{totals[k] / mb:>{w}.0f}" for k, w in zip(FIELDS, (7, 7, 9, 9, 8))))


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="La mémoire de graphe serve, processus par processus.")
    p.add_argument("--dist", type=Path, default=ROOT / "dist", help="le jeu construit (dataset.nq, oxigraph/)")
    p.add_argument("--graphe-args", default="", help="options de plus pour graphe serve")
    p.add_argument("--rounds", type=int, default=2, help="passages sur les requêtes nommées")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--oxigraph", action="store_true", help="mesurer aussi Oxigraph server sur les mêmes N-Quads")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    nquads = args.dist / "dataset.nq"
    if not nquads.is_file():
        p.error(f"{nquads} : introuvable")
    work = Path(tempfile.mkdtemp(prefix="graphe-memoire-"))
    graphe_bin = Path(sys.executable).parent / "graphe"
    figures = {}
    candidates = [servers.graphe_server(graphe_bin, nquads, work, shlex.split(args.graphe_args))]
    if args.oxigraph:
        candidates.append(servers.oxigraph_server(run.ensure_venv(), nquads, work))
    for server in candidates:
        server.start(work)
        failed = exercise(server, args.rounds, args.clients)
        rows = snapshot(server.process.pid)
        server.stop()
        report(f"{server.name} (démarrage {server.cold_start_s:.2f} s, {len(failed)} échecs"
               f"{' : ' + ', '.join(failed) if failed else ''})", rows, server.peak_rss)
        figures[server.name] = {"peak_rss": server.peak_rss, "cold_start_s": server.cold_start_s, "failed": failed,
                                "processes": [{"pid": pid, "role": r, **fig} for pid, r, fig in rows]}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
