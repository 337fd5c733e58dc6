"""``graphe coverage``: how much of the annex the graph holds."""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("coverage", help="part des objectifs, puces, rôles, projets, instances, dates et chiffres de l'annexe que le graphe contient")
    p.add_argument("--fail-under", type=float, default=None, metavar="POURCENT",
                   help="échouer (code 1) si la couverture totale est inférieure")
    p.add_argument("-f", "--format", choices=("table", "json"), default="table",
                   help="table lisible (défaut) ou json")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe import coverage, dataset, fact_coverage, provenance

    graph = dataset.union(dataset.load())
    cov = coverage.measure(graph, provenance.source_text())
    facts = fact_coverage.measure(graph, provenance.source_text())
    if args.format == "json":
        print(json.dumps({**cov.as_dict(), "faits": facts.as_dict()}, ensure_ascii=False, indent=2))
    else:
        print(cov.text())
        print(facts.text())
    if args.fail_under is not None and cov.percent() < args.fail_under:
        print(f"graphe: couverture {cov.percent():.1f} % < {args.fail_under:g} %", file=sys.stderr)
        return 1
    return 0
