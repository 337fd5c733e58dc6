"""Figures the test suite no longer asserts: how long graphe's own steps take on this machine.

A test cannot tell a slow machine from a slow program, so these are printed, not checked,
each beside a reference measured in the same run (a ratio says more than seconds do):

- the guard's depth check on 40,000 nested groups, against 4,000 (≈ 10 when linear; one run
  on the loaded 2-core machine gave 833 ms against 5.9 ms, a ratio of 142: the check is not linear);
- validating all the data (SHACL + checks), against parsing it;
- HermiT's consistency check, against parsing the data.

Run: ``.venv/bin/python bench/timings.py`` (about a minute).
"""

from __future__ import annotations

import time

from graphe import dataset, guard, reasoning
from graphe.errors import Refused
from graphe.validate import validate


def best(fn, repeat: int = 3) -> float:
    """The best of ``repeat`` runs, in seconds (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def refused(n: int) -> None:
    try:
        guard.check("SELECT * " + "{" * n + "}" * n, graphs=(), limits=guard.Limits(max_length=10 * n))
    except Refused:
        return
    raise SystemExit(f"une requête à {n} niveaux n'a pas été refusée")


def main() -> None:
    rows = []
    deep, shallow = best(lambda: refused(40_000)), best(lambda: refused(4_000))
    rows.append(("contrôle de profondeur, 40 000 niveaux", deep, "4 000 niveaux", shallow))
    parse = best(lambda: dataset.load(), repeat=1)
    rows.append(("validation de toutes les données", best(lambda: validate(), repeat=1), "lecture des données", parse))
    ds = dataset.load()
    rows.append(("cohérence HermiT", best(lambda: reasoning.check(ds), repeat=1), "lecture des données", parse))
    width = max(len(r[0]) for r in rows)
    print(f"{'mesure'.ljust(width)}  {'durée':>9}  référence (même exécution)            {'durée':>9}  rapport")
    for name, t, ref_name, ref in rows:
        print(f"{name.ljust(width)}  {t * 1000:7.1f} ms  {ref_name.ljust(36)}  {ref * 1000:7.1f} ms  {t / ref:7.1f}")


if __name__ == "__main__":
    main()
