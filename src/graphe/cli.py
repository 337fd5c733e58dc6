"""The ``graphe`` command: a thin shell over the library.

Every subcommand calls one library function and prints its result. Errors are
:class:`graphe.errors.GrapheError`\\ s: one line (plus the report, for a failed validation) on
stderr and the error's exit code — never a traceback:

====  =====================================================================
code  meaning
====  =====================================================================
0     success
1     other failure (coverage under ``--fail-under``, unexpected error)
2     DataError: a file cannot be read (malformed Turtle: file and line)
3     ValidationFailed: SHACL or cross-entity checks found violations
4     ReasoningFailed: HermiT found the ontology and data inconsistent
5     ProvenanceError: a quote is not at its offsets in the annex
6     BadRequest: malformed SPARQL, unknown query or parameter, bad format
7     QueryTimeout
130   interrupted (Ctrl-C)
====  =====================================================================
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

from graphe import __version__, paths
from graphe.errors import BadRequest, GrapheError, ValidationFailed

#: Output formats of ``graphe query``: solutions (SELECT/ASK) and graphs (CONSTRUCT/DESCRIBE).
SOLUTION_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")  # graphe.results.GRAPH_FORMATS


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args) or 0
    except ValidationFailed as exc:
        if exc.report:
            print(exc.report.rstrip("\n"), file=sys.stderr)
        print(f"graphe: {exc}", file=sys.stderr)
        return exc.exit_code
    except GrapheError as exc:
        print(f"graphe: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("graphe: interrompu", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `graphe query … | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug: say so in one line (GRAPHE_DEBUG=1 shows the traceback)
        if os.environ.get("GRAPHE_DEBUG"):
            raise
        print(f"graphe: erreur interne ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 1


def make_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graphe",
        description="Graphe de connaissances des contrats de ville de Paris Est Marne&Bois.",
        epilog="Codes de sortie: 0 succès, 2 fichier illisible, 3 violations, 4 incohérence logique, "
        "5 citation mal ancrée, 6 requête invalide.",
    )
    parser.add_argument("--version", action="version", version=f"graphe {__version__}")
    sub = parser.add_subparsers(title="commandes", metavar="COMMANDE")

    p = sub.add_parser("build", help="construire le jeu de données dans dist/ (valide, vérifie, raisonne)")
    p.add_argument("--dist", type=Path, default=None, help=f"répertoire de sortie (défaut: {paths.DIST})")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="valider les fichiers Turtle (SHACL + vérifications)")
    p.add_argument("files", nargs="*", type=Path, metavar="FICHIER", help="défaut: l'ontologie et toutes les données")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="interroger le jeu de données construit (SPARQL)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("query", nargs="?", metavar="REQUETE", help="fichier .rq ou nom d'une requête de queries/")
    what.add_argument("-e", "--expression", metavar="SPARQL", help="texte de la requête")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NOM=VALEUR",
                   help="valeur d'un paramètre d'une requête nommée (répétable)")
    p.add_argument("-f", "--format", choices=SOLUTION_FORMATS + GRAPH_FORMATS, default=None,
                   help="défaut: table sur un terminal, csv sinon (turtle pour CONSTRUCT/DESCRIBE)")
    p.add_argument("--dist", type=Path, default=None, help="jeu construit à interroger (construit s'il manque)")
    p.add_argument("--store", default="oxigraph", metavar="MAGASIN",
                   help="moteur: oxigraph (défaut), oxigraph:DOSSIER ou rdflib (référence)")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("stats", help="volumes: triplets par graphe, instances par classe, comptes par commune")
    p.add_argument("--dist", type=Path, default=None)
    p.add_argument("-f", "--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("coverage", help="part des objectifs et puces de l'annexe que le graphe contient")
    p.add_argument("--fail-under", type=float, default=None, metavar="POURCENT",
                   help="échouer (code 1) si la couverture totale est inférieure")
    p.add_argument("-f", "--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_coverage)

    from graphe.draft import command as draft_command

    draft_command.add_parser(sub)

    # ---- `graphe serve` belongs to the endpoint (graphe.server.add_arguments / graphe.server.run).
    # Imported only when asked for, so the other commands do not load the web stack.
    if importlib.util.find_spec("graphe.server") is not None:
        p = sub.add_parser("serve", help="servir le jeu de données (SPARQL, pages, /id/…)")
        if _command(argv) == "serve":
            from graphe import server

            server.add_arguments(p)
            p.set_defaults(func=server.run)
    return parser


def _command(argv: list[str] | None) -> str | None:
    for arg in argv or []:
        if not arg.startswith("-"):
            return arg
    return None


# --------------------------------------------------------------------------- commands


def cmd_build(args) -> int:
    from graphe.build import build

    result = build(args.dist)
    print(result.summary())
    return 0


def cmd_validate(args) -> int:
    from graphe import dataset
    from graphe.validate import validate

    files = args.files or dataset.ontology_files() + dataset.data_files()
    report = validate(files)  # an unreadable file → DataError (exit 2) naming file and line
    print(report.text().rstrip("\n"))
    return 0 if report.conforms else ValidationFailed.exit_code


def cmd_query(args) -> int:
    """Run a query on the built dataset through graphe.store: the endpoint's guard (no Update,
    no SERVICE), its prefixes (the project's, usable without PREFIX lines) and its writers."""
    from graphe.build import ensure_built
    from graphe.store import make_store

    text = _query_text(args)
    fmt = args.format or ("table" if sys.stdout.isatty() else "csv")
    store = make_store(args.store).load(ensure_built(args.dist) / "dataset.nq")
    sys.stdout.write(run_query(store, text, fmt))
    return 0


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
    rows = [[_json_cell(b.get(v)) for v in variables] for b in doc["results"]["bindings"]]
    return table(variables, rows)


def _json_cell(term: dict | None) -> str:
    """A SPARQL JSON term as a person reads it: compact IRI, literal value."""
    if term is None:
        return ""
    if term["type"] == "uri":
        return _compact(f"<{term['value']}>")
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    return term["value"]


def _query_text(args) -> str:
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


def _cell(term) -> str:
    """A term as a person reads it: compact IRI, literal value."""
    import pyoxigraph as ox

    from graphe.namespaces import curie

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value) or term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def table(headers: list[str], rows: list[list[str]]) -> str:
    """An aligned text table; newlines in cells are shown as ``⏎``.

    >>> print(table(["a", "bb"], [["1", "x"], ["22", "y"]]), end="")
    a   bb
    --  --
    1   x
    22  y
    """
    rows = [[c.replace("\n", "⏎") for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

    out = line(headers) + line(["-" * w for w in widths])
    return out + "".join(line(r) for r in rows)


def cmd_stats(args) -> int:
    from graphe import stats
    from graphe.build import ensure_built, open_store

    store = open_store(ensure_built(args.dist))
    st = stats.compute(stats.oxigraph_quads(store))
    per_commune = _per_commune(store)
    if args.format == "json":
        doc = {
            "triplets_par_graphe": {_compact(g): n for g, n in st.triples_per_graph().items()},
            "triplets": st.union.triples,
            "instances_par_classe": {_compact(c): n for c, n in st.instances().items()},
            "par_commune": per_commune,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print("Triplets par graphe")
    rows = [[_compact(g), str(n)] for g, n in st.triples_per_graph().items()] + [["(union)", str(st.union.triples)]]
    print(table(["graphe", "triplets"], rows))
    print("Instances par classe")
    print(table(["classe", "instances"], [[_compact(c), str(n)] for c, n in st.instances().items()]))
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
    result = store.query(text, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    return [{v: _cell(sol[v]) for v in variables} for sol in result]


def _compact(nt: str) -> str:
    from graphe.build import _short

    return _short(nt)


def cmd_coverage(args) -> int:
    from graphe import coverage, dataset, provenance
    
    graph = dataset.union(dataset.load())
    cov = coverage.measure(graph, provenance.source_text())
    if args.format == "json":
        print(json.dumps(cov.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(cov.text())
    if args.fail_under is not None and cov.percent() < args.fail_under:
        print(f"graphe: couverture {cov.percent():.1f} % < {args.fail_under:g} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
