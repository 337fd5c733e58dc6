"""How good is `graphe draft` on the real annex, measured as a new annex would be.

Each of the communes with a curated file is drafted leave-one-commune-out: the graph the draft
reads is every data file but that commune's, and the lexicon is denied the commune's own
partners, projects and quartiers (graphe.draft.score.local_entities), so they must come back as
candidate organisations. The draft is then scored against the commune's curated file:
objectives and actions (same passage), mention links to known entities, candidate organisations,
figures and dates; and every quote of the written Turtle is checked at its offsets.

    .venv/bin/python bench/draft.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rdflib import Graph

from graphe import dataset, paths
from graphe.draft import draft, slugify, turtle
from graphe.draft.score import gold, local_entities, score
from graphe.namespaces import CDV, OA, bind_all

TARGETS = {"objectifs": (0.95, 0.90), "actions": (0.95, 0.90), "liens": (0.90, 0.95)}


def communes(full: Graph) -> list[tuple[str, str, Path]]:
    from rdflib import RDF, RDFS

    out = []
    for c in sorted(full.subjects(RDF.type, CDV.Commune)):
        label = str(full.value(c, RDFS.label))
        f = paths.DATA_TTL / f"{slugify(label)}.ttl"
        if f.is_file():
            out.append((str(c), label, f))
    return out


def verbatim(text: str, source: str) -> tuple[int, int]:
    """(quotes at their offsets, quotes) in a written draft."""
    g = Graph().parse(data=text, format="turtle")
    ok = n = 0
    for target in set(g.subjects(OA.hasSelector, None)):
        exact = start = end = None
        for sel in g.objects(target, OA.hasSelector):
            exact = g.value(sel, OA.exact) if g.value(sel, OA.exact) is not None else exact
            start = g.value(sel, OA.start) if g.value(sel, OA.start) is not None else start
            end = g.value(sel, OA.end) if g.value(sel, OA.end) is not None else end
        n += 1
        ok += exact is not None and start is not None and source[int(start) : int(end)] == str(exact)
    return ok, n


def main() -> int:
    files = dataset.ontology_files() + dataset.data_files()
    full = dataset.union(dataset.load(files))
    totals: dict[str, list[int]] = {}
    quotes = [0, 0]
    rows = []
    started = time.perf_counter()
    for commune, label, f in communes(full):
        context = bind_all(Graph())
        for path in files:
            if path != f:
                dataset.parse_file(path, into=context)
        curated = dataset.parse_file(f)
        key = slugify(label).split("-sur-")[0].split("-sous-")[0].split("-des-")[0]
        excluded = local_entities(full, curated, commune, key)
        d = draft(paths.SOURCE, label, graph=context, exclude=excluded)
        text, _ = turtle.write(d)
        ok, n = verbatim(text, d.source)
        quotes[0] += ok
        quotes[1] += n
        scores = score(d, gold(curated), excluded)
        rows.append((label, scores, ok, n, len(excluded)))
        for k, s in scores.items():
            t = totals.setdefault(k, [0, 0, 0, 0])
            for i, v in enumerate((s.found, s.drafted, s.recalled, s.curated)):
                t[i] += v
    seconds = time.perf_counter() - started

    kinds = ["objectifs", "actions", "liens", "candidats", "chiffres", "dates"]
    print("graphe draft — annexe réelle, une commune laissée de côté à la fois (lexique sans ses entités locales)\n")
    print(f"{'commune':<24}" + "".join(f"{k:>20}" for k in kinds) + f"{'citations exactes':>20}")
    for label, scores, ok, n, nex in rows:
        cells = "".join(f"{f'R {scores[k].recall:4.0%} P {scores[k].precision:4.0%}':>20}" for k in kinds)
        print(f"{label:<24}{cells}{f'{ok}/{n}':>20}")
    cells = ""
    for k in kinds:
        found, drafted, recalled, curated = totals[k]
        r = recalled / curated if curated else 1.0
        p = found / drafted if drafted else 1.0
        cells += f"{f'R {r:4.0%} P {p:4.0%}':>20}"
    print(f"{'total':<24}{cells}{f'{quotes[0]}/{quotes[1]}':>20}")
    print("\n(R rappel, P précision ; totaux sur les éléments, pas moyenne des communes)")
    for k, (rt, pt) in TARGETS.items():
        found, drafted, recalled, curated = totals[k]
        r, p = recalled / curated, found / drafted
        verdict = "atteinte" if r >= rt and p >= pt else "MANQUÉE"
        print(f"cible {k}: rappel ≥ {rt:.0%} et précision ≥ {pt:.0%} — {verdict} ({r:.1%} / {p:.1%}; "
              f"{recalled}/{curated} relus trouvés, {found}/{drafted} proposés justes)")
    share = quotes[0] / quotes[1] if quotes[1] else 1.0
    print(f"citations exactes à leurs positions : {share:.1%} ({quotes[0]}/{quotes[1]})")
    print(f"durée : {seconds:.1f} s pour {len(rows)} communes")
    if "-v" in sys.argv:
        for label, scores, *_ in rows:
            print(f"\n== {label}")
            for k in kinds:
                s = scores[k]
                if s.missing:
                    print(f"  {k} manquants : {[m if isinstance(m, str) else (m[0].rsplit('/', 1)[-1], m[1].start) for m in s.missing]}")
                if s.extra:
                    print(f"  {k} en trop : {[(e[0].rsplit('/', 1)[-1], e[1].start) for e in s.extra]}")
    return 0 if share == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
