"""The reasoning stage at France's size: the old path and the new one, side by side.

For each replicated project (``bench/replicate.py --project``), each path runs in its own
process, on the data as the build holds them before the stage (not measured):

- **ancien**: the rdflib Dataset; the stage is ``dataset.union``, HermiT through owlready2 on
  the whole graph (``reasoning.check_owlready``) and the reference rules
  (``reasoning.reference_inferences``) — what ``graphe build`` did;
- **nouveau**: a pyoxigraph Store, each file in its named graph; the stage is
  ``reasoning.check`` (HermiT's command line on modules, in parallel) and ``reasoning.infer``.

Printed per project and path: the stage's wall time, its CPU time (the process and the JVMs it
ran), the process tree's peak RSS (sampled every 0.1 s, Java included) and the RSS before the
stage, how many inferences, how many modules; then the ratios ancien ÷ nouveau. Run it with
``nice`` and note the machine's load (printed): the machine is shared.

    nice -n 10 .venv/bin/python bench/reasoning_scale.py build/x30 /chemin/projet-x100
    nice -n 10 .venv/bin/python bench/reasoning_scale.py --chemins nouveau /chemin/projet-x300
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

CHILD = r"""
import json, os, resource, sys, time
from graphe import dataset, reasoning

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS"))

path = sys.argv[1]
t = time.perf_counter()
if path == "ancien":
    data = dataset.load()
else:
    import pyoxigraph as ox
    data = ox.Store()
    for f in dataset.ontology_files() + dataset.data_files():
        data.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(dataset.graph_for(f))))
loaded, before = time.perf_counter() - t, rss()
cpu0, kids0, t0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
if path == "ancien":
    asserted = dataset.union(data)
    result = reasoning.check_owlready(asserted)
    inferred = reasoning.reference_inferences(asserted)
else:
    result = reasoning.check(data)
    inferred = reasoning.infer(data)
wall = time.perf_counter() - t0
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
java = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
print(json.dumps({"chargement": loaded, "mur": wall, "cpu": time.process_time() - cpu0 + java, "java": java,
                  "rss_avant": before, "inferences": len(inferred), "modules": result.modules,
                  "vue": result.triples}))
"""


def measure(project: Path, path: str) -> dict:
    """One path of the stage on one project, in a fresh process; its figures."""
    env = {**os.environ, "GRAPHE_HOME": str(project)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, path], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output, _, _, peak = scale.watched(proc, t0, 0.1)
    if proc.returncode != 0:
        raise SystemExit(f"{project} ({path}) : échec\n{output[-3000:]}")
    figures = json.loads(output.strip().splitlines()[-1])
    figures["pic"] = peak
    return figures


def main() -> None:
    parser = FrenchParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projets", nargs="+", type=Path, help="projets répliqués (bench/replicate.py --project)")
    parser.add_argument("--chemins", nargs="+", default=["ancien", "nouveau"], choices=["ancien", "nouveau"])
    parser.add_argument("--json", type=Path, help="écrire aussi les chiffres dans ce fichier")
    args = parser.parse_args()
    results = {}
    for project in args.projets:
        for path in args.chemins:
            load = os.getloadavg()[0]
            figures = measure(project, path)
            figures["charge"] = load
            results[f"{project.name} {path}"] = figures
            print(f"{project.name:>14} {path:8} mur {figures['mur']:7.1f} s  CPU {figures['cpu']:7.1f} s "
                  f"(Java {figures['java']:6.1f})  pic {figures['pic'] / 1e9:5.2f} Go "
                  f"(avant {figures['rss_avant'] / 1e9:4.2f})  {figures['inferences']} inférences  "
                  f"{figures['modules']} module(s)  charge {load:.1f}", flush=True)
        if set(args.chemins) == {"ancien", "nouveau"}:
            old, new = results[f"{project.name} ancien"], results[f"{project.name} nouveau"]
            assert old["inferences"] == new["inferences"], "les deux chemins doivent inférer autant"
            print(f"{project.name:>14} ancien ÷ nouveau : mur {old['mur'] / new['mur']:.1f}×  "
                  f"CPU {old['cpu'] / new['cpu']:.1f}×  pic {old['pic'] / new['pic']:.1f}×", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
