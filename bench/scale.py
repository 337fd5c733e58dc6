"""graphe at France's size: the build and the server at 1×, 10×, 100×, 300× the annex.

For each scale (``bench/replicate.py``: replicas of the annex's facts, synthetic, written to a
scratch directory and removed afterwards):

- **build** (up to ``--build-max`` replicas): ``graphe build`` on a replicated copy of the
  project, every stage's wall time (from ``build.json``) and CPU time (user + system of the
  whole process tree, Java included, sampled from /proc and split at the stages' boundaries),
  and the peak RSS of the tree;
- **serving**: ``bench/run.py`` on the replicated N-Quads, graphe and Oxigraph server side by
  side in the same run: cold start, peak RSS, requests/s at 32 clients, the named queries'
  geometric-mean latency and the slowest named query's median.

Then one table, scales side by side, with graphe ÷ Oxigraph server ratios, and the issue's
targets. ``.venv/bin/python bench/scale.py --scales 1 10`` takes about ten minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import replicate  # noqa: E402
import run  # noqa: E402
import servers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds of the tree under ``root``: live processes, plus children they have reaped."""
    total = 0.0
    for pid in servers.tree_pids(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / TICK
    return total


def watched(proc: subprocess.Popen, t0: float, every: float) -> tuple[str, float, list[tuple[float, float, int]], int]:
    """Wait for ``proc`` while sampling its tree every ``every`` s: output, wall, (t, CPU, RSS) samples, peak RSS.

    A sampling thread, because the tree's CPU and memory are only visible from /proc while it runs.
    """
    samples: list[tuple[float, float, int]] = []
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = servers.tree_rss(proc.pid)
            samples.append((time.perf_counter() - t0, tree_cpu(proc.pid), rss))
            peak[0] = max(peak[0], rss)
            done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    return output, wall, samples, peak[0]


def timed_build(project: Path, dist: Path, cache: Path | None = None, extra: list[str] | None = None) -> dict:
    """Run ``graphe build`` on ``project`` (``extra``: more options); stages (wall, CPU), total, peak RSS."""
    graphe = Path(sys.executable).parent / "graphe"
    env = {**os.environ, "GRAPHE_HOME": str(project), "GRAPHE_CACHE": str(cache or dist.parent / "cache")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(graphe), "build", "--dist", str(dist), *(extra or [])], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, wall, samples, peak = watched(proc, t0, 0.1)
    if proc.returncode != 0:
        raise RuntimeError(f"graphe build a échoué ({proc.returncode}) :\n{output[-2000:]}")
    stages = json.loads((dist / "build.json").read_text())["timings"]
    stages.pop("total", None)
    # the stages run one after the other; what precedes the first is the interpreter's start
    start = wall - sum(stages.values())
    result, rss, at = {}, {}, start
    for name, seconds in stages.items():
        result[name] = (seconds, _cpu_at(samples, at + seconds) - _cpu_at(samples, at))
        rss[name] = max((s[2] for s in samples if at <= s[0] <= at + seconds), default=0)  # the stage's own peak
        at += seconds
    result["démarrage"] = (start, _cpu_at(samples, start))
    return {"stages": result, "wall": wall, "cpu": samples[-1][1] if samples else None, "peak_rss": peak,
            "peak_rss_stages": rss}


REVALIDATE = """
import json, sys, time
from graphe.validate import validate
t0 = time.perf_counter()
report = validate()
print(json.dumps({"s": time.perf_counter() - t0, "conforms": report.conforms, "cache": report.cache,
                  "seconds": report.seconds}))
"""


def edit_one_commune(project: Path) -> Path:
    """Change one literal of one replica's commune file, as a curator's fix would."""
    files = sorted((project / "data" / "ttl").glob("champigny-sur-marne-r*.ttl")) or \
        sorted((project / "data" / "ttl").glob("champigny-sur-marne*.ttl"))
    path = files[len(files) // 2]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if "<http://purl.org/dc/terms/description> \"" in line and line.rstrip().endswith('"@fr .'):
            lines[i] = line.rstrip()[: -len('"@fr .')] + ' (revu)"@fr .\n'
            break
    else:
        raise RuntimeError(f"{path}: aucune description à modifier")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def timed_revalidation(project: Path, cache: Path) -> dict:
    """The validation after one changed commune file, with the cache the build left (wall, peak RSS)."""
    changed = edit_one_commune(project)
    env = {**os.environ, "GRAPHE_HOME": str(project), "GRAPHE_CACHE": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", REVALIDATE], env=env, stdout=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, servers.tree_rss(proc.pid))
        time.sleep(0.1)
    out = json.loads(proc.stdout.read().strip().splitlines()[-1])
    return {**out, "wall": time.perf_counter() - t0, "peak_rss": peak, "file": changed.name}


def load() -> str:
    """The machine's load average (1, 5, 15 min): other engineers share these 2 cores."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _cpu_at(samples: list[tuple[float, float, int]], t: float) -> float:
    """CPU time of the tree at wall time ``t``, interpolated between samples."""
    before = [s for s in samples if s[0] <= t]
    after = [s for s in samples if s[0] > t]
    if not before:
        return 0.0
    if not after:
        return before[-1][1]
    (t1, c1, _), (t2, c2, _) = before[-1], after[0]
    return c1 + (c2 - c1) * (t - t1) / (t2 - t1)


def prepare_database(nquads: Path) -> float | None:
    """What ``graphe build`` does for a large dataset: the shared database beside the dump
    (offline, like Oxigraph's load + optimize). Its time, or None when served from memory."""
    try:
        from graphe import diskstore
    except ImportError:
        return None
    if not hasattr(diskstore, "wanted") or not diskstore.wanted(nquads):
        return None
    t0 = time.perf_counter()
    diskstore.prepare(nquads.parent / "oxigraph", nquads)
    return time.perf_counter() - t0


def precompute(nquads: Path) -> dict | None:
    """What ``graphe build`` does last: the named questions' default answers beside the dump
    (graphe.precomputed, on the store the server will open). Its time and size, or None when
    the code measured has no such step."""
    try:
        from graphe import precomputed
    except ImportError:
        return None
    served = sum(p.stat().st_size for p in nquads.parent.rglob("*") if p.is_file())  # the dump and its base
    t0 = time.perf_counter()
    index = precomputed.write(nquads.parent)
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in (nquads.parent / precomputed.DIRECTORY).rglob("*") if p.is_file())
    return {"s": seconds, "bytes": size, "files": len(index["reponses"]) * len(precomputed.FORMATS) + 1,
            "beside_bytes": served}


def serve_figures(nquads: Path, work: Path, args) -> dict:
    """bench/run.py on ``nquads``, graphe and Oxigraph server; the figures of its JSON."""
    out = work / f"run-{nquads.parent.name}.json"
    argv = ["--nquads", str(nquads), "--servers", "graphe,oxigraph", "--iterations", str(args.iterations),
            "--budget", str(args.budget), "--duration", str(args.duration), "--concurrency", "32",
            "--only", "nommée", "--json", str(out)]
    if args.graphe_args:
        argv += ["--graphe-args", args.graphe_args]
    run.main(argv)
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="graphe à l'échelle de la France : construction et service.")
    p.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100, 300])
    p.add_argument("--build-max", type=int, default=10, help="construire jusqu'à cette échelle (défaut 10)")
    p.add_argument("--work", type=Path, default=None,
                   help="dossier de travail (défaut : temporaire) ; garder les répliques hors de git")
    p.add_argument("--nquads", type=Path, default=ROOT / "dist" / "dataset.nq", help="le jeu construit à 1×")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--budget", type=float, default=2.0)
    p.add_argument("--duration", type=float, default=3.0)
    p.add_argument("--graphe-args", default="")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    run.ensure_built(args.nquads.resolve(), Path(sys.executable).parent / "graphe")
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="graphe-echelle-", dir=args.work))
    figures: dict[int, dict] = {}
    try:
        for scale in args.scales:
            here = work / f"x{scale}"
            fig = figures[scale] = {}
            fig["load_before"] = load()
            if scale <= args.build_max:
                print(f"· {scale}× : construction … (charge {load()})", flush=True)
                project = replicate.make_project(scale, here / "projet")
                fig["build"] = timed_build(project, here / "dist", here / "cache")
                shutil.rmtree(here / "dist", ignore_errors=True)
                print(f"· {scale}× : revalidation après un fichier modifié … (charge {load()})", flush=True)
                fig["revalidation"] = timed_revalidation(project, here / "cache")
                shutil.rmtree(project, ignore_errors=True)
            print(f"· {scale}× : service …", flush=True)
            nquads = replicate.make_nquads(args.nquads.resolve(), scale, here / "nq" / "dataset.nq")
            fig["quads"] = sum(1 for _ in open(nquads, "rb"))
            fig["prepare_s"] = prepare_database(nquads)
            fig["precompute"] = precompute(nquads)
            fig["serve"] = serve_figures(nquads, work, args)
            fig["load_after"] = load()
            shutil.rmtree(here, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(figures)
    targets(figures)
    out = args.json or ROOT / "bench" / "results" / f"echelle-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({str(k): v for k, v in figures.items()}, indent=2, ensure_ascii=False, default=str))
    print(f"(chiffres écrits dans {out})")
    return 0


def _named(serve: dict, server: str, prefix: str = "nommée:") -> dict[str, float]:
    """Medians by query name; ``prefix``: ``nommée:`` (defaults, /sparql), ``nommée-autre:``
    (other values, /sparql), ``route:nommée:`` / ``route:nommée-autre:`` (graphe's /queries/{name})."""
    queries = serve["servers"][server]["queries"]
    return {q: v["median_ms"] for q, v in queries.items() if q.startswith(prefix) and v["median_ms"]}


def report(figures: dict[int, dict]) -> None:
    scales = sorted(figures)
    rows: list[tuple[str, list]] = []
    stage_names = []
    for s in scales:
        for name in figures[s].get("build", {}).get("stages", {}):
            if name not in stage_names:
                stage_names.append(name)
    for name in stage_names:
        rows.append((f"construction : {name}, mur / CPU (s)", [
            _pair(figures[s].get("build", {}).get("stages", {}).get(name)) for s in scales]))
    rows.append(("construction : total, mur / CPU (s)", [
        _pair((figures[s]["build"]["wall"], figures[s]["build"]["cpu"])) if "build" in figures[s] else "—"
        for s in scales]))
    rows.append(("construction : RSS max. (Mo)", [
        f"{figures[s]['build']['peak_rss'] / 1e6:.0f}" if "build" in figures[s] else "—" for s in scales]))
    rows.append(("revalidation, 1 fichier de commune modifié (s)", [
        f"{figures[s]['revalidation']['wall']:.1f} ({figures[s]['revalidation']['cache']['revalides']}"
        f"/{figures[s]['revalidation']['cache']['fichiers']} fichiers)" if "revalidation" in figures[s] else "—"
        for s in scales]))
    rows.append(("quads servis", [f"{figures[s]['quads']:,}".replace(",", " ") for s in scales]))
    rows.append(("base partagée préparée hors ligne (s)", [run.fmt(figures[s].get("prepare_s")) for s in scales]))
    rows.append(("réponses précalculées hors ligne (s, Mo)", [
        f"{figures[s]['precompute']['s']:.1f} s, {figures[s]['precompute']['bytes'] / 1e6:.1f} Mo "
        f"(à côté de {figures[s]['precompute']['beside_bytes'] / 1e6:.0f} Mo : dump et base)"
        if figures[s].get("precompute") else "—" for s in scales]))
    for label, key, unit in (("démarrage à froid", "cold_start_s", 1.0), ("RSS max. de l'arbre (Mo)", "peak_rss", 1e-6)):
        rows.append((f"{label} : graphe / oxigraph (ratio)", [_servers(figures[s]["serve"], key, unit) for s in scales]))
    rows.append(("requêtes/s à 32 clients : graphe / oxigraph (ratio)", [
        _servers(figures[s]["serve"], "rps", 1.0, load=True) for s in scales]))
    for label, fn in (("moy. géom. des nommées (ms)", run.geomean), ("nommée la plus lente, médiane (ms)", max)):
        cells = []
        for s in scales:
            g, o = _named(figures[s]["serve"], "graphe"), _named(figures[s]["serve"], "oxigraph")
            common = [q for q in g if q in o]
            gv, ov = fn([g[q] for q in common]) if common else None, fn([o[q] for q in common]) if common else None
            cells.append(f"{run.fmt(gv)} / {run.fmt(ov)} ({run.ratio(gv, ov)})")
        rows.append((f"{label} : graphe / oxigraph (ratio)", cells))
    slowest = []
    for s in scales:
        g = _named(figures[s]["serve"], "graphe")
        q = max(g, key=g.get) if g else None
        slowest.append(f"{q.split(':')[1]} {g[q]:.0f} ms" if q else "—")
    rows.append(("nommée la plus lente (graphe)", slowest))
    rows.append(("nommées au-dessus de 100 ms (graphe, /sparql)", [
        ", ".join(q.split(":")[1] for q, v in _named(figures[s]["serve"], "graphe").items() if v >= 100) or "aucune"
        for s in scales]))
    for label, prefix in (("valeurs par défaut, par /queries (réponses précalculées)", "route:nommée:"),
                          ("autres valeurs, /sparql : graphe / oxigraph", "nommée-autre:"),
                          ("autres valeurs, par /queries (moteur)", "route:nommée-autre:")):
        cells = []
        for s in scales:
            g = _named(figures[s]["serve"], "graphe", prefix)
            o = _named(figures[s]["serve"], "oxigraph", prefix) if not prefix.startswith("route:") else {}
            slow = max(g.values()) if g else None
            text = f"moy. géom. {run.fmt(run.geomean(list(g.values())))}, max. {run.fmt(slow)} ms, {sum(v < 100 for v in g.values())}/{len(g)} < 100 ms"
            if o:
                text += f" (oxigraph : {run.fmt(run.geomean(list(o.values())))}, max. {run.fmt(max(o.values()))})"
            cells.append(text)
        rows.append((f"nommées, {label}", cells))
    rows.append(("charge de la machine avant / après", [
        f"{figures[s].get('load_before', '?')} / {figures[s].get('load_after', '?')}" for s in scales]))
    header = ["mesure", *(f"{s}×" for s in scales)]
    widths = [max(len(str(r[c])) for r in [header, *[[label, *cells] for label, cells in rows]]) for c in range(len(header))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for label, cells in rows:
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip([label, *cells], widths))))


def targets(figures: dict[int, dict]) -> None:
    """The issue's targets at the largest scale measured: met or not, plainly."""
    s = max(figures)
    fig = figures[s]
    g = fig["serve"]["servers"]["graphe"]
    named = _named(fig["serve"], "graphe")
    expected = len(list((ROOT / "queries").glob("*.rq")))
    checks = []
    if "build" in fig:
        checks.append(("graphe build < 10 min", fig["build"]["wall"] < 600, f"{fig['build']['wall']:.0f} s"))
        checks.append(("pic de mémoire de la construction < 4 Go", fig["build"]["peak_rss"] < 4e9,
                       f"{fig['build']['peak_rss'] / 1e9:.2f} Go"))
    if "revalidation" in fig:
        checks.append(("revalidation après un fichier modifié < 30 s", fig["revalidation"]["wall"] < 30,
                       f"{fig['revalidation']['wall']:.1f} s"))
    cold = g.get("cold_start_s")
    checks.append(("démarrage à froid < 5 s", cold is not None and cold < 5, run.fmt(cold, " s")))
    slow = max(named.values()) if named else None
    checks.append((f"chaque nommée répond, médiane < 100 ms, par /sparql (le moteur) ({len(named)}/{expected})",
                   len(named) == expected and slow is not None and slow < 100, run.fmt(slow, " ms")))
    route = _named(fig["serve"], "graphe", "route:nommée:")
    if route:
        slow = max(route.values())
        checks.append((f"chaque nommée répond, médiane < 100 ms, par /queries/{{nom}} ({len(route)}/{expected} ; "
                       "réponses précalculées pour les valeurs par défaut)",
                       len(route) == expected and slow < 100, run.fmt(slow, " ms")))
    other = _named(fig["serve"], "graphe", "route:nommée-autre:")
    if other:
        slow = max(other.values())
        checks.append((f"avec d'autres valeurs (le moteur), par /queries/{{nom}}, médiane < 100 ms ({len(other)} nommées)",
                       slow < 100, run.fmt(slow, " ms")))
    rss = g.get("peak_rss")
    checks.append(("RSS du serveur < 2 Go", rss is not None and rss < 2e9, run.fmt(rss / 1e9 if rss else None, " Go")))
    print(f"\nCibles à {s}× :")
    for label, ok, value in checks:
        print(f"  [{'tenue' if ok else 'MANQUÉE'}] {label} : {value}")


def _pair(value) -> str:
    if not value:
        return "—"
    wall, cpu = value
    return f"{wall:.1f} / {cpu:.1f}" if cpu is not None else f"{wall:.1f} / —"


def _servers(serve: dict, key: str, unit: float, load: bool = False) -> str:
    values = []
    for name in ("graphe", "oxigraph"):
        data = serve["servers"][name]
        v = data["load"]["32"]["rps"] if load else data[key]
        values.append(v * unit if v is not None else None)
    return f"{run.fmt(values[0])} / {run.fmt(values[1])} ({run.ratio(*values)})"


if __name__ == "__main__":
    sys.exit(main())
