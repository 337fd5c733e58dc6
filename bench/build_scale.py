"""The whole ``graphe build`` at France's size, cold, stage by stage — beside a reference run.

``bench/scale.py`` builds and then serves every scale; at 300× the build alone takes many
minutes, so this script does the build only: on a replicated project (``bench/replicate.py``,
written once under ``--work`` and kept with ``--keep`` for the next run), with an empty
validation cache (cold), every stage's wall and CPU time (the whole process tree, Java
included) and the tree's peak RSS, measured by :func:`scale.timed_build`. With
``--reference FILE`` (the JSON of an earlier run, e.g. before an optimisation) each figure is
printed beside the reference's, with the ratio new ÷ reference. Extra ``graphe build`` options
(``--build-args '--moteur-shacl rudof'``) compare engines on the same project.

    nice -n 10 .venv/bin/python bench/build_scale.py --scale 300 --work build/echelle --keep \\
        --json build/avant.json
    nice -n 10 .venv/bin/python bench/build_scale.py --scale 300 --work build/echelle --keep \\
        --reference build/avant.json
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import replicate  # noqa: E402
import scale  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="graphe build à froid à l'échelle de la France, étape par étape.")
    p.add_argument("--scale", type=int, default=300, help="nombre de répliques (défaut 300)")
    p.add_argument("--work", type=Path, required=True, help="dossier de travail (gitignoré, p. ex. build/echelle)")
    p.add_argument("--keep", action="store_true", help="garder le projet répliqué pour la prochaine mesure")
    p.add_argument("--build-args", default="", help="options en plus pour graphe build")
    p.add_argument("--reference", type=Path, help="le JSON d'une mesure précédente, à mettre à côté")
    p.add_argument("--json", type=Path, help="où écrire les chiffres (défaut : WORK/construction-<date>.json)")
    p.add_argument("--validation-seule", metavar="MOTEUR", choices=["pyshacl", "rudof"],
                   help="ne mesurer que la validation à froid, avec ce moteur SHACL")
    args = p.parse_args(argv)
    reference = None
    if args.reference:
        try:
            reference = json.loads(args.reference.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            p.error(f"référence illisible : {args.reference} : {exc}")
    args.work.mkdir(parents=True, exist_ok=True)
    project = args.work / f"projet-x{args.scale}"
    if not (project / "SYNTHETIQUE.txt").exists():
        print(f"· {args.scale}× : écriture du projet répliqué dans {project} …", flush=True)
        replicate.make_project(args.scale, project)
    cache = args.work / "cache-froid"
    dist = args.work / "dist"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(dist, ignore_errors=True)
    before = scale.load()
    if args.validation_seule:
        return validation_only(project, cache, args.validation_seule, before, args.reference, reference)
    print(f"· {args.scale}× : construction à froid … (charge {before})", flush=True)
    figures = scale.timed_build(project, dist, cache, shlex.split(args.build_args))
    figures.update(scale=args.scale, build_args=args.build_args, load_before=before, load_after=scale.load(),
                   date=time.strftime("%Y-%m-%d %H:%M"))
    figures["quads"] = sum(1 for _ in open(dist / "dataset.nq", "rb"))
    shutil.rmtree(dist, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(project, ignore_errors=True)
    out = args.json or args.work / f"construction-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    print(table(figures, reference))
    print(f"\n[{'tenue' if figures['wall'] < 600 else 'MANQUÉE'}] graphe build < 10 min : {figures['wall']:.0f} s")
    print(f"[{'tenue' if figures['peak_rss'] < 4e9 else 'MANQUÉE'}] pic de mémoire < 4 Go : "
          f"{figures['peak_rss'] / 1e9:.2f} Go")
    print(f"(chiffres écrits dans {out} ; {os.cpu_count()} cœurs, charge avant / après : {before} / "
          f"{figures['load_after']})")
    return 0


VALIDATE = """
import json, sys, time
from graphe.validate import validate
t0 = time.perf_counter()
report = validate(engine=sys.argv[1])
print(json.dumps({"s": time.perf_counter() - t0, "conforms": report.conforms, "seconds": report.seconds}))
"""


def validation_only(project: Path, cache: Path, engine: str, before: str, ref_path, reference) -> int:
    """``validate()`` alone, cold, with ``engine``: wall, CPU of the tree (the pool included), peak RSS."""
    import subprocess

    print(f"· validation à froid, moteur {engine} … (charge {before})", flush=True)
    env = {**os.environ, "GRAPHE_HOME": str(project), "GRAPHE_CACHE": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", VALIDATE, engine], env=env, stdout=subprocess.PIPE, text=True)
    out, wall, samples, peak = scale.watched(proc, t0, 0.2)
    cpu = max((s[1] for s in samples), default=0.0)
    shutil.rmtree(cache, ignore_errors=True)
    result = json.loads(out.strip().splitlines()[-1])
    figures = {"engine": engine, "wall": wall, "cpu": cpu, "peak_rss": peak, **result,
               "load_before": before, "load_after": scale.load()}
    print(json.dumps(figures, ensure_ascii=False))
    if reference and "engine" in reference:
        print(f"référence ({reference['engine']}) : mur {reference['wall']:.0f} s, CPU {reference['cpu']:.0f} s ; "
              f"ratios mur {wall / reference['wall']:.2f}×, CPU {cpu / reference['cpu']:.2f}×")
    return 0 if result["conforms"] else 1


def table(new: dict, ref: dict | None) -> str:
    """One row per stage: wall / CPU, and beside it the reference's and the ratio new ÷ reference."""
    rows = []
    names = list(new["stages"]) + [n for n in (ref or {}).get("stages", {}) if n not in new["stages"]]
    for name in names:
        rows.append((name, new["stages"].get(name), (ref or {}).get("stages", {}).get(name)))
    rows.append(("total", (new["wall"], new["cpu"]), (ref["wall"], ref["cpu"]) if ref else None))
    header = ["étape", "mur / CPU (s)", "RSS max. (Go)"] + (["référence mur / CPU (s)", "ratio mur", "ratio CPU"] if ref else [])
    lines = [header]
    peaks = new.get("peak_rss_stages", {})
    for name, n, r in rows:
        cells = [name, _pair(n), f"{peaks[name] / 1e9:.2f}" if peaks.get(name) else "—"]
        if ref:
            cells += [_pair(r), _ratio(n, r, 0), _ratio(n, r, 1)]
        lines.append(cells)
    peak = ["RSS max. de l'arbre (Go)", "", f"{new['peak_rss'] / 1e9:.2f}"]
    if ref:
        peak += [f"{ref['peak_rss'] / 1e9:.2f}", f"{new['peak_rss'] / ref['peak_rss']:.2f}×", ""]
    lines.append(peak)
    lines.append(["quads publiés", f"{new['quads']:,}".replace(",", " "), ""]
                 + ([f"{ref.get('quads', 0):,}".replace(",", " "), "", ""] if ref else []))
    widths = [max(len(str(row[c])) for row in lines) for c in range(len(header))]
    return "\n".join("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                               for i, (x, w) in enumerate(zip(row, widths))) for row in lines)


def _pair(value) -> str:
    if not value:
        return "—"
    wall, cpu = value
    return f"{wall:.1f} / {cpu:.1f}" if cpu is not None else f"{wall:.1f} / —"


def _ratio(new, ref, i: int) -> str:
    if not new or not ref or new[i] is None or not ref[i]:
        return "—"
    return f"{new[i] / ref[i]:.2f}×"


if __name__ == "__main__":
    sys.exit(main())
