"""How good is `graphe draft` on the real annex, measured as a new annex would be.

Each of the communes with a curated file is drafted leave-one-commune-out: the graph the draft
reads is every data file but that commune's, and the lexicon is denied the commune's own
partners, projects and quartiers (graphe.draft.score.local_entities), so they must come back as
candidate organisations. The draft is then scored against the commune's curated file:
objectives and actions (same passage), mention links to known entities, candidate organisations,
figures and dates; and every quote of the written Turtle is checked at its offsets.

    .venv/bin/python bench/draft.py [-v]
"""

from __future__ import annotations

import sys
import time

from graphe.draft.score import leave_one_out, totals

TARGETS = {"objectifs": (0.95, 0.90), "actions": (0.95, 0.90), "liens": (0.90, 0.95)}
KINDS = ["objectifs", "actions", "liens", "roles", "candidats", "chiffres", "dates", "themes"]


def cell(recall: float, precision: float) -> str:
    return f"{f'R {recall:4.0%} P {precision:4.0%}':>20}"


def main() -> int:
    started = time.perf_counter()
    runs = leave_one_out()
    seconds = time.perf_counter() - started
    total = totals(runs)
    ok = sum(r.quotes_ok for r in runs)
    n = sum(r.quotes for r in runs)

    print("graphe draft — annexe réelle, une commune laissée de côté à la fois (lexique sans ses entités locales)\n")
    print(f"{'commune':<24}" + "".join(f"{k:>20}" for k in KINDS) + f"{'citations exactes':>20}")
    for r in runs:
        cells = "".join(cell(r.scores[k].recall, r.scores[k].precision) for k in KINDS)
        print(f"{r.label:<24}{cells}{f'{r.quotes_ok}/{r.quotes}':>20}")
    print(f"{'total':<24}" + "".join(cell(*total[k][:2]) for k in KINDS) + f"{f'{ok}/{n}':>20}")
    print("\n(R rappel, P précision ; totaux sur les éléments, pas moyenne des communes)")
    for k, (rt, pt) in TARGETS.items():
        r, p, (found, drafted, recalled, curated) = total[k]
        verdict = "atteinte" if r >= rt and p >= pt else "MANQUÉE"
        print(f"cible {k}: rappel ≥ {rt:.0%} et précision ≥ {pt:.0%} — {verdict} ({r:.1%} / {p:.1%}; "
              f"{recalled}/{curated} relus trouvés, {found}/{drafted} proposés justes)")
    print(f"citations exactes à leurs positions : {ok / n:.1%} ({ok}/{n})")
    print(f"durée : {seconds:.1f} s pour {len(runs)} communes")
    if "-v" in sys.argv:
        for r in runs:
            print(f"\n== {r.label}")
            for k in KINDS:
                s = r.scores[k]
                if s.missing:
                    print(f"  {k} manquants : {[m if isinstance(m, str) else (m[0].rsplit('/', 1)[-1], m[1].start) for m in s.missing]}")
                if s.extra:
                    print(f"  {k} en trop : {[(e[0].rsplit('/', 1)[-1], e[1].start) for e in s.extra]}")
    return 0 if ok == n else 1


if __name__ == "__main__":
    sys.exit(main())
