"""How the files are shared out in batches: cold validation in file order beside the new order.

``graphe.shacl_units.batches`` used to cut the units in file order: at national size a batch then
held, say, 26 replicas' Champigny files and read each one's replica (the other communes, the
partners, the projects…) as context — 4.5 times its own data, parsed and validated again in
every batch. It now puts the files that read one another side by side
(:func:`graphe.shacl_units.neighbourly`). This script validates a project cold twice, in a fresh
process each time, first with the former order put back (the reference), then as the code does
now, and prints wall, CPU of the whole tree (the pool included) and peak RSS, with the ratios
new ÷ former.

    nice -n 10 .venv/bin/python bench/validation_order.py --project build/x100 --moteur rudof
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from graphe.cli.parser import FrenchParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402

RUN = """
import json, sys, time
from graphe import shacl_units
if sys.argv[2] == "fichiers":  # the former order: units as the files come
    shacl_units.neighbourly = lambda units: sorted(units, key=lambda u: u.index)
from graphe.validate import validate
from graphe.validation_cache import Cache
t0 = time.perf_counter()
report = validate(engine=sys.argv[1], cache=Cache(enabled=False))
print(json.dumps({"conforms": report.conforms, "violations": len(report.violations)}))
"""


def measure(project: Path, engine: str, order: str) -> dict:
    env = {**os.environ, "GRAPHE_HOME": str(project)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", RUN, engine, order], env=env, stdout=subprocess.PIPE, text=True)
    out, wall, samples, peak = scale.watched(proc, t0, 0.2)
    if proc.returncode != 0:
        raise SystemExit(f"la validation a échoué ({proc.returncode})")
    cpu = max((c for _, c in samples), default=0.0)
    return {"ordre": order, "wall": wall, "cpu": cpu, "peak_rss": peak, **json.loads(out.strip().splitlines()[-1])}


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Validation à froid : lots dans l'ordre des fichiers, puis par voisinage.")
    p.add_argument("--project", type=Path, required=True, help="un projet (p. ex. bench/replicate.py --project)")
    p.add_argument("--moteur", choices=["pyshacl", "rudof"], default="pyshacl", help="moteur SHACL (défaut pyshacl)")
    args = p.parse_args(argv)
    print(f"· validation à froid de {args.project}, moteur {args.moteur} (charge {scale.load()})", flush=True)
    before = measure(args.project, args.moteur, "fichiers")
    after = measure(args.project, args.moteur, "voisins")
    if (before["conforms"], before["violations"]) != (after["conforms"], after["violations"]):
        print(f"LES DEUX ORDRES DIFFÈRENT : {before} / {after}")
        return 1
    print(f"{'':28s}{'ordre des fichiers':>20s}{'par voisinage':>16s}{'ratio':>8s}")
    for label, key, unit in (("mur (s)", "wall", 1.0), ("CPU de l'arbre (s)", "cpu", 1.0),
                             ("RSS max. de l'arbre (Mo)", "peak_rss", 1e-6)):
        a, b = before[key] * unit, after[key] * unit
        print(f"{label:28s}{a:20.1f}{b:16.1f}{b / a if a else float('nan'):7.2f}×")
    print(f"(mêmes résultats : {after['violations']} violation(s) ; charge après : {scale.load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
