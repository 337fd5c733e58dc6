"""``graphe publish``: push the built release to an external SPARQL store (:mod:`graphe.publish`)."""

from __future__ import annotations

from pathlib import Path

PASSWORD_ENV = "GRAPHE_STORE_PASSWORD"  # graphe.publish.PASSWORD_ENV (not imported: --help stays fast)


def register(sub) -> None:
    p = sub.add_parser(
        "publish", help="publier la version construite dans un magasin SPARQL externe, sans état intermédiaire visible",
    )
    p.add_argument("--to", required=True, metavar="URL",
                   help="URL Graph Store Protocol du magasin (Oxigraph : …/store ; Virtuoso : …/sparql-graph-crud-auth)")
    p.add_argument("--update", default=None, metavar="URL",
                   help="URL SPARQL Update du magasin (défaut : déduite de --to, par ex. …/update, …/sparql-auth)")
    p.add_argument("--user", default=None, help=f"utilisateur du magasin (mot de passe dans ${PASSWORD_ENV})")
    p.add_argument("--dist", type=Path, default=None, help="jeu construit à publier (défaut : dist/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe.publish import publish

    result = publish(args.dist or args.project.dist, args.to, args.update, args.user)
    print(result.summary())
    return 0
