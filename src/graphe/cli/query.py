"""``graphe query``: a question to the built dataset, through :class:`graphe.store.Store`.

The endpoint's guard (no Update, no SERVICE), its prefixes (the project's, usable without
PREFIX lines) and its writers, so the terminal and the endpoint give the same answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from graphe.cli.output import json_cell, table
from graphe.errors import BadRequest

#: Output formats of ``graphe query``: solutions (SELECT/ASK) and graphs (CONSTRUCT/DESCRIBE).
SOLUTION_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")  # graphe.results.GRAPH_FORMATS


def add_dataset_arguments(p) -> None:
    """``--dist``, ``--store`` and ``--no-build``: which built dataset, on which engine (query, stats)."""
    p.add_argument("--dist", type=Path, default=None,
                   help="jeu construit à interroger (reconstruit s'il manque ou s'il est plus ancien que les données)")
    p.add_argument("--store", default="oxigraph", metavar="MAGASIN",
                   help="moteur : oxigraph (défaut), oxigraph:DOSSIER ou rdflib (référence)")
    p.add_argument("--no-build", action="store_true", help="interroger dist/ tel quel, sans le reconstruire s'il est périmé")


def register(sub) -> None:
    p = sub.add_parser("query", help="interroger le jeu de données construit (SPARQL ou requête nommée)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("query", nargs="?", metavar="REQUETE", help="fichier .rq ou nom d'une requête de queries/")
    what.add_argument("-e", "--expression", metavar="SPARQL", help="texte de la requête")
    what.add_argument("-l", "--list", action="store_true", help="lister les requêtes nommées et leurs paramètres")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NOM=VALEUR",
                   help="valeur d'un paramètre d'une requête nommée (répétable)")
    p.add_argument("-f", "--format", choices=SOLUTION_FORMATS + GRAPH_FORMATS, default=None,
                   help="défaut : table sur un terminal, csv sinon (turtle pour CONSTRUCT/DESCRIBE)")
    add_dataset_arguments(p)
    p.set_defaults(func=run)


def open_dataset(args):
    """The built dataset (rebuilt first when stale) in the store ``--store`` names."""
    from graphe.build import ensure_built
    from graphe.store import make_store

    return make_store(args.store).load(ensure_built(args.dist, rebuild=not args.no_build, project=args.project) / "dataset.nq")


def run(args) -> int:
    if args.list:
        sys.stdout.write(listing())
        return 0
    text = query_text(args)
    fmt = args.format or ("table" if sys.stdout.isatty() else "csv")
    sys.stdout.write(run_query(open_dataset(args), text, fmt))
    return 0


def listing() -> str:
    """The named questions, one block each: name, title, parameters."""
    from graphe import queries

    blocks = []
    for q in queries.catalogue():
        lines = [f"{q.name} — {q.summary}"]
        for p in q.params:
            default = f" (défaut : {p.default})" if p.default else " (obligatoire)"
            lines.append(f"    -p {p.name}=<{p.type}>  {p.label}{default}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


def run_query(store, text: str, fmt: str) -> str:
    """The answer of ``store`` (a graphe.store.Store) to ``text``, rendered in ``fmt``."""
    checked = store.check(text)
    graph = checked.form in ("CONSTRUCT", "DESCRIBE")
    if graph and fmt not in GRAPH_FORMATS:
        if fmt not in ("table", "csv"):
            raise BadRequest(f"format {fmt!r} impossible pour un graphe (CONSTRUCT/DESCRIBE) : {', '.join(GRAPH_FORMATS)}")
        fmt = "turtle"
    if not graph and fmt not in SOLUTION_FORMATS:
        raise BadRequest(f"format {fmt!r} impossible pour des solutions (SELECT/ASK) : {', '.join(SOLUTION_FORMATS)}")
    result = store.query(checked, format="json" if fmt == "table" else fmt, row_limit=None)
    body = result.body.decode("utf-8")
    if fmt != "table":
        return body if body.endswith("\n") else body + "\n"
    doc = json.loads(body)
    if "boolean" in doc:
        return ("oui" if doc["boolean"] else "non") + "\n"
    variables = doc["head"]["vars"]
    rows = [[json_cell(b.get(v)) for v in variables] for b in doc["results"]["bindings"]]
    return table(variables, rows)


def query_text(args) -> str:
    """The SPARQL to run: ``-e`` text, a ``.rq`` file, or a named query with its parameters bound."""
    values = {}
    for pair in args.param:
        name, sep, value = pair.partition("=")
        if not sep:
            raise BadRequest(f"paramètre mal formé {pair!r}: attendu NOM=VALEUR")
        values[name.strip().lstrip("?_")] = value
    if args.expression is not None:
        if values:
            raise BadRequest("--param ne s'applique qu'à une requête nommée")
        return args.expression
    from graphe import queries
    from graphe.errors import NotFound

    ref = args.query
    path = Path(ref)
    if path.suffix == ".rq":
        if not path.is_file():
            raise BadRequest(f"{ref}: fichier introuvable")
        named = queries.NamedQuery.from_file(path)
    else:
        try:
            named = queries.get(ref)
        except NotFound as exc:
            raise BadRequest(str(exc)) from None
    return named.bind(values)
