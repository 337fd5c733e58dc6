"""``graphe stats``: volumes of the built dataset, through :class:`graphe.store.Store`."""

from __future__ import annotations

import json

from graphe.cli.output import compact, json_cell, table
from graphe.cli.query import add_dataset_arguments, open_dataset


def register(sub) -> None:
    p = sub.add_parser("stats", help="volumes : triplets par graphe, instances par classe, comptes par commune")
    p.add_argument("-f", "--format", choices=("table", "json"), default="table", help="table lisible (défaut) ou json")
    add_dataset_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe import stats

    store = open_dataset(args)
    st = stats.compute(stats.store_quads(store))
    per_commune = _per_commune(store)
    if args.format == "json":
        doc = {
            "triplets_par_graphe": {compact(g): n for g, n in st.triples_per_graph().items()},
            "triplets": st.union.triples,
            "instances_par_classe": {compact(c): n for c, n in st.instances().items()},
            "par_commune": per_commune,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print("Triplets par graphe")
    rows = [[compact(g), str(n)] for g, n in st.triples_per_graph().items()] + [["(union)", str(st.union.triples)]]
    print(table(["graphe", "triplets"], rows))
    print("Instances par classe")
    print(table(["classe", "instances"], [[compact(c), str(n)] for c, n in st.instances().items()]))
    if per_commune:
        print("Par commune")
        headers = list(per_commune[0])
        print(table(headers, [[str(r[h]) for h in headers] for r in per_commune]), end="")
    return 0


def _per_commune(store) -> list[dict]:
    """The named query ``comptes-par-commune`` as a list of rows (empty if it is not there)."""
    from graphe import queries
    from graphe.errors import NotFound

    try:
        text = queries.get("comptes-par-commune").bind({})
    except NotFound:
        return []
    doc = json.loads(store.query(text, format="json", row_limit=None).body)
    variables = doc["head"]["vars"]
    return [{v: json_cell(b.get(v)) for v in variables} for b in doc["results"]["bindings"]]
