"""graphe's benchmark: graphe serve against Oxigraph server and rdflib-endpoint, side by side.

All three serve the same N-Quads (``dist/dataset.nq``, written by ``graphe build``) on
loopback. For each server the script measures:

- the cold start: from spawning the process to its first correct answer (Oxigraph's separate
  ``oxigraph load`` + ``optimize`` of the same file is shown on its own line);
- latency per query, median and p95, for every named query (``queries/*.rq``, parameters at
  their defaults, bound exactly as ``/queries/{name}`` binds them) and the harder set
  (``tests/endpoint/queries/*.rq``), sent sequentially over one keep-alive connection, each
  request with a unique no-op comment and ``Cache-Control: no-cache`` so nothing is cached;
- requests per second at 8 and 32 concurrent clients on a cheap query (``loadgen.py``: wrk
  when installed, else a raw asyncio client);
- the peak memory of the server's process tree (RSS summed over its processes);
- errors: any answer that is not 2xx, and answers whose size disagrees with graphe's.

It prints one table with each figure and graphe's ratio to each peer, then the issue's targets.
The peers are installed from PyPI into ``bench/.venv`` (from ``bench/requirements.txt``) on
first run. Run time is bounded by ``--budget`` seconds per query and server and ``--duration``
per load level. See bench/README.md.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402
import named_route  # noqa: E402
import servers  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CHEAP_QUERY = """PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?commune ?nom WHERE { ?commune a cdv:Commune ; rdfs:label ?nom }"""
ACCEPT = {
    "table": "application/sparql-results+json",
    "graph": "application/n-triples",
}


# ---------------------------------------------------------------- preparing


def ensure_venv(bench_dir: Path = BENCH) -> Path:
    """``bench/.venv`` with the peers of requirements.txt; reinstalled when that file changes."""
    env_dir = bench_dir / ".venv"
    reqs = bench_dir / "requirements.txt"
    stamp = env_dir / ".requirements.sha256"
    digest = hashlib.sha256(reqs.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return env_dir / "bin"
    print(f"· installation des serveurs de comparaison dans {env_dir} …", flush=True)
    if not (env_dir / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(reqs)],
                   check=True)
    stamp.write_text(digest)
    return env_dir / "bin"


def ensure_built(nquads: Path, graphe_bin: Path) -> None:
    if nquads.exists():
        return
    print(f"· {nquads} absent : graphe build …", flush=True)
    subprocess.run([str(graphe_bin), "build"], check=True, cwd=ROOT)
    if not nquads.exists():
        sys.exit(f"graphe build n'a pas écrit {nquads}")


@dataclass
class Query:
    name: str  # "nommée:{stem}" or "difficile:{stem}"
    text: str
    kind: str  # "table" or "graph"
    named: bool
    peers_too: bool = True  # False: graphe only (the query could make a peer go on the network)
    route: str | None = None  # graphe's /queries/{name} address for it (named_route.py)
    other: bool = False  # a named question with other values than its defaults


def _reaches_out(text: str) -> bool:
    """Whether a peer might fetch something for this query: rdflib loads the IRI of a FROM /
    FROM NAMED clause from the web, and both peers would call a SERVICE. graphe refuses or
    confines both; the peers never get such a query (the machine must send nothing outside)."""
    from graphe.guard import tokens

    return any(t.keyword in ("FROM", "SERVICE") for t in tokens(text))


def load_queries(root: Path) -> list[Query]:
    """The named queries (bound with their defaults, as /queries/{name} runs them) and the
    harder set, in file order."""
    from graphe.guard import query_form
    from graphe.queries import NamedQuery

    found = []
    for path in sorted((root / "queries").glob("*.rq")):
        text = NamedQuery.from_file(path).bind({})
        found.append(Query(f"nommée:{path.stem}", text, _kind(query_form(text)), True, not _reaches_out(text),
                           named_route.route_of(path.stem)))
    for path in sorted((root / "tests" / "endpoint" / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        found.append(Query(f"difficile:{path.stem}", text, _kind(query_form(text)), False, not _reaches_out(text)))
    return found


def other_queries(server: servers.Server, root: Path) -> list[Query]:
    """Each named question with parameters, bound with other values than its defaults
    (named_route.other_values: found in the data ``server`` serves)."""
    from graphe.guard import query_form
    from graphe.queries import catalogue

    found = []
    for q in catalogue(root / "queries"):
        values = named_route.other_values(server.port, server.path, q) if q.params else {}
        if values:
            text = q.bind(values)
            found.append(Query(f"nommée-autre:{q.name}", text, _kind(query_form(text)), True, not _reaches_out(text),
                               named_route.route_of(q.name, values), other=True))
    return found


def _kind(form: str | None) -> str:
    return "graph" if form in ("CONSTRUCT", "DESCRIBE") else "table"


# ---------------------------------------------------------------- latency


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    errors: int = 0
    size: int | None = None  # rows (or triples) of the first answer
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples_ms) if self.samples_ms else None

    @property
    def p95(self) -> float | None:
        if not self.samples_ms:
            return None
        s = sorted(self.samples_ms)
        return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


def answer_size(payload: bytes, kind: str) -> int:
    if kind == "graph":
        return sum(1 for line in payload.splitlines() if line.strip() and not line.startswith(b"#"))
    data = json.loads(payload)
    if "boolean" in data:
        return 1
    return len(data["results"]["bindings"])


def time_query(server: servers.Server, q: Query, iterations: int, budget: float,
               timeout: float) -> Timing:
    """Sequential requests over one keep-alive connection until ``iterations`` or ``budget``."""
    t = Timing()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT[q.kind],
               "Cache-Control": "no-cache"}
    start = time.perf_counter()
    for i in range(iterations + 1):  # the first request warms up and is not counted
        body = urlencode({"query": f"{q.text}\n# bench {os.getpid()}-{i}"})
        t0 = time.perf_counter()
        try:
            conn.request("POST", server.path, body, headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            t.errors += 1
            t.note = f"{type(exc).__name__}: {exc}"[:120]
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
            if isinstance(exc, TimeoutError):
                break  # a query past the client's timeout: do not queue more behind it
            continue
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            t.errors += 1
            t.note = f"HTTP {resp.status}: {payload[:100].decode('utf-8', 'replace')}"
        else:
            if t.size is None:
                try:
                    t.size = answer_size(payload, q.kind)
                except (ValueError, KeyError) as exc:
                    t.errors += 1
                    t.note = f"réponse illisible : {exc}"[:120]
            if i > 0:
                t.samples_ms.append(elapsed)
        if i > 0 and time.perf_counter() - start > budget:
            break
    conn.close()
    return t


# ---------------------------------------------------------------- the table


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value >= 100:
            text = f"{value:,.0f}".replace(",", " ")
        elif value >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = f"{value:,}".replace(",", " ")
    return f"{text}{unit}"


def ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


def print_table(rows: list[tuple[str, bool, list]], names: list[str], out=sys.stdout) -> None:
    """rows: (label, with ratios?, [value per server]); ratio columns: graphe ÷ each peer."""
    peers = names[1:]
    header = ["mesure", *names, *(f"{names[0]}÷{p}" for p in peers)]
    body = []
    for label, with_ratio, values in rows:
        cells = [fmt(v) for v in values]
        ratios = [ratio(values[0], values[1 + i]) if with_ratio else "" for i in range(len(peers))]
        body.append([label, *cells, *ratios])
    widths = [max(len(r[c]) for r in [header, *body]) for c in range(len(header))]
    line = "  ".join("-" * w for w in widths)

    def row(cells: list[str]) -> str:  # labels to the left, figures to the right
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(x.ljust(w) if c == 0 else x.rjust(w) for c, (x, w) in pairs)

    print(line, row(header), line, *(row(r) for r in body), line, sep="\n", file=out)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="graphe serve face à Oxigraph server et rdflib-endpoint, sur les mêmes N-Quads.")
    p.add_argument("--nquads", type=Path, default=ROOT / "dist" / "dataset.nq")
    p.add_argument("--iterations", type=int, default=30, help="timed requests per query and server")
    p.add_argument("--budget", type=float, default=3.0, help="seconds per query and server, at most")
    p.add_argument("--timeout", type=float, default=30.0, help="client timeout of one request (s)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per load level")
    p.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    p.add_argument("--loadgen", choices=("auto", "wrk", "asyncio"), default="auto")
    p.add_argument("--servers", default="graphe,oxigraph,rdflib-endpoint",
                   help="comma-separated, graphe first (the ratios are graphe's)")
    p.add_argument("--graphe-args", default="", help="extra options for graphe serve, e.g. '--workers 2'")
    p.add_argument("--only", default="", help="run only the queries whose name contains this")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here "
                   "(default bench/results/bench-<date>.json)")
    args = p.parse_args(argv)

    graphe_bin = Path(sys.executable).parent / "graphe"
    if not graphe_bin.exists():
        sys.exit(f"graphe introuvable à côté de {sys.executable}: lancez ce script avec le Python "
                 "du projet (.venv/bin/python bench/run.py)")
    nquads = args.nquads.resolve()
    ensure_built(nquads, graphe_bin)
    bench_bin = ensure_venv()
    queries = [q for q in load_queries(ROOT) if args.only in q.name]
    if not queries:
        sys.exit("aucune requête à mesurer (queries/*.rq, tests/endpoint/queries/*.rq)")
    wanted = [s.strip() for s in args.servers.split(",") if s.strip()]
    work = servers.scratch_dir()
    tool = "wrk" if args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk")) else "asyncio"
    load_before = os.getloadavg()[0]
    print(f"· {len(queries)} requêtes, {nquads.stat().st_size / 1e6:.1f} Mo de N-Quads, "
          f"générateur de charge : {tool}, {os.cpu_count()} cœurs, charge de la machine {load_before:.1f}",
          flush=True)
    if load_before > 0.5 * (os.cpu_count() or 1):
        print("  (attention : la machine est déjà occupée, les chiffres seront bruités)", flush=True)

    started: list[servers.Server] = []
    results: dict[str, dict] = {}
    t_run = time.perf_counter()
    try:
        for name in wanted:
            if name == "graphe":
                srv = servers.graphe_server(graphe_bin, nquads, work, args.graphe_args.split())
            elif name == "oxigraph":
                srv = servers.oxigraph_server(bench_bin, nquads, work)
            elif name == "rdflib-endpoint":
                srv = servers.rdflib_endpoint_server(bench_bin, nquads)
            else:
                sys.exit(f"serveur inconnu : {name}")
            print(f"· démarrage de {name} …", end=" ", flush=True)
            cold = srv.start(work)
            started.append(srv)
            print(f"{cold:.2f} s", flush=True)
        if started and started[0].name == "graphe":  # the questions with other values, found in graphe's data
            queries += [q for q in other_queries(started[0], ROOT) if args.only in q.name]

        for srv in started:
            res = results[srv.name] = {"timings": {}, "load": {}}
            print(f"· {srv.name} : latence", end="", flush=True)
            for q in queries:
                if srv.name != "graphe" and not q.peers_too:
                    res["timings"][q.name] = Timing(note="non envoyée (FROM ou SERVICE : accès réseau)")
                    continue
                res["timings"][q.name] = time_query(srv, q, args.iterations, args.budget, args.timeout)
                if srv.name == "graphe" and q.route:  # as a user calls it (named_route.py)
                    res["timings"]["route:" + q.name] = named_route.time_route(
                        srv.port, q.route, args.iterations, args.budget, args.timeout, Timing())
                print(".", end="", flush=True)
            for c in args.concurrency:
                print(f" · {c} clients", end="", flush=True)
                res["load"][c] = loadgen.run(srv.url, CHEAP_QUERY, c, args.duration, args.loadgen)
            print(flush=True)
    finally:
        for srv in started:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)

    names = [s.name for s in started]
    by = {s.name: s for s in started}
    rows: list[tuple[str, bool, list]] = []
    rows.append(("démarrage à froid (s)", True, [by[n].cold_start_s for n in names]))
    if "oxigraph" in by:
        rows.append(("  préparation hors ligne (oxigraph load+optimize, s)", False,
                     [by[n].prepare_s or None for n in names]))
    rows.append(("mémoire max., RSS de l'arbre (Mo)", True, [by[n].peak_rss / 1e6 for n in names]))
    for c in args.concurrency:
        rows.append((f"requêtes/s, {c} clients", True, [results[n]["load"][c].rps for n in names]))
    for q in queries:
        rows.append((f"{q.name} médiane (ms)", True, [results[n]["timings"][q.name].median for n in names]))
        rows.append((f"{q.name} p95 (ms)", True, [results[n]["timings"][q.name].p95 for n in names]))
        route = results.get("graphe", {}).get("timings", {}).get("route:" + q.name)
        if route is not None:
            rows.append((f"  {q.name.split(':')[1]} par GET /queries, graphe seul ({route.note}) médiane (ms)", False,
                         [route.median, *[None] * (len(names) - 1)]))
    # geometric means over the queries every server answered, so that they compare alike
    answered = [q for q in queries if all(results[n]["timings"][q.name].median for n in names)]
    named = [q for q in answered if q.named and not q.other]
    hard = [q for q in answered if not q.named]
    others = [q for q in answered if q.other]
    for label, group in (("nommées", named), ("nommées, autres valeurs", others), ("difficiles", hard)):
        if group:
            rows.append((f"moyenne géométrique des médianes, {label} (ms)", True,
                         [geomean([results[n]["timings"][q.name].median for q in group]) for n in names]))
    if "graphe" in results:
        for label, group in (("nommées", named), ("nommées, autres valeurs", others)):
            routes = [results["graphe"]["timings"].get("route:" + q.name) for q in group]
            if any(routes):
                rows.append((f"  graphe seul, par /queries/{{nom}}, {label} : moy. géom. (ms)", False,
                             [geomean([r.median for r in routes if r is not None]), *[None] * (len(names) - 1)]))
    errors = {n: sum(t.errors for t in results[n]["timings"].values())
              + sum(r.errors for r in results[n]["load"].values()) for n in names}
    rows.append(("erreurs (réponses non 2xx, connexions)", False, [errors[n] for n in names]))

    print()
    print(f"{' · '.join(names)} — mêmes N-Quads ({nquads.name}), boucle locale, "
          f"{args.iterations} mesures par requête au plus (budget {args.budget:.0f} s), "
          f"charge {args.duration:.0f} s par palier ({tool}). Ratio = {names[0]} ÷ pair : "
          f"< 1 = {names[0]} plus rapide (latence, démarrage, mémoire), > 1 = meilleur débit.")
    print_table(rows, names)

    # answers that disagree with graphe's in size, and every error, by name
    problems = []
    for q in queries:
        sizes = {n: results[n]["timings"][q.name].size for n in names}
        if len({s for s in sizes.values() if s is not None}) > 1:
            problems.append(f"  tailles différentes pour {q.name} : {sizes}")
        for n in names:
            t = results[n]["timings"][q.name]
            if t.errors:
                problems.append(f"  {n} / {q.name} : {t.errors} erreur(s) — {t.note}")
    alone = [q.name for q in queries if not q.peers_too]
    if alone:
        problems.append(f"  envoyées à graphe seul (FROM ou SERVICE, qu'un pair irait chercher sur le réseau) : "
                        f"{', '.join(alone)}")
    left_out = [q.name for q in queries if q.peers_too and q not in answered]
    if left_out:
        problems.append(f"  hors moyennes (un serveur n'a pas répondu) : {', '.join(left_out)}")
    if problems:
        print("Écarts et erreurs :")
        print("\n".join(problems))

    verdicts = []
    if "graphe" in by:
        g_named = geomean([results["graphe"]["timings"][q.name].median for q in named])
        def target(label: str, ok: bool | None, detail: str) -> None:
            verdicts.append((label, ok, detail))
            mark = "—" if ok is None else ("OK" if ok else "NON")
            print(f"  [{mark:>3}] {label} : {detail}")
        print("Objectifs de l'issue :")
        if "oxigraph" in by:
            o = geomean([results["oxigraph"]["timings"][q.name].median for q in named])
            target("latence (moy. géom., nommées) ≤ Oxigraph server", None if not (g_named and o) else g_named <= o,
                   f"{fmt(g_named)} ms contre {fmt(o)} ms")
        if "rdflib-endpoint" in by:
            r = geomean([results["rdflib-endpoint"]["timings"][q.name].median for q in named])
            target("latence ≥ 20× plus basse que rdflib-endpoint", None if not (g_named and r) else r / g_named >= 20,
                   f"{ratio(r, g_named)}×")
            top = max(args.concurrency)
            g_rps, r_rps = results["graphe"]["load"][top].rps, results["rdflib-endpoint"]["load"][top].rps
            target(f"débit à {top} clients ≥ 3× rdflib-endpoint", g_rps >= 3 * r_rps, f"{ratio(g_rps, r_rps)}×")
        target("démarrage à froid < 2 s", by["graphe"].cold_start_s < 2, f"{by['graphe'].cold_start_s:.2f} s")
        target("aucune requête en échec", errors["graphe"] == 0, f"{errors['graphe']} erreur(s)")
    print(f"(durée totale {time.perf_counter() - t_run:.0f} s ; charge moyenne de la machine sur 1 min : "
          f"{load_before:.1f} au début, {os.getloadavg()[0]:.1f} à la fin, avec le banc lui-même)")

    out = args.json or BENCH / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "nquads": str(nquads), "nquads_sha256": hashlib.sha256(nquads.read_bytes()).hexdigest(),
        "loadgen": tool, "args": {k: str(v) for k, v in vars(args).items()},
        "loadavg_before": load_before,
        "servers": {n: {
            "cold_start_s": by[n].cold_start_s, "prepare_s": by[n].prepare_s, "peak_rss": by[n].peak_rss,
            "load": {str(c): vars(r) for c, r in results[n]["load"].items()},
            "queries": {q: {"median_ms": t.median, "p95_ms": t.p95, "n": len(t.samples_ms),
                            "errors": t.errors, "size": t.size, "note": t.note}
                        for q, t in results[n]["timings"].items()},
        } for n in names},
        "targets": [{"target": t, "ok": ok, "detail": d} for t, ok, d in verdicts],
    }, indent=2, ensure_ascii=False))
    print(f"(chiffres écrits dans {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out})")
    return 0 if all(ok is not False for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
