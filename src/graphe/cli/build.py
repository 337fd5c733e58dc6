"""``graphe build``: the whole pipeline into ``dist/``."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("build", help="construire le jeu de données dans dist/ (valide, vérifie, raisonne)")
    p.add_argument("--dist", type=Path, default=None, help="répertoire de sortie (défaut : dist/ du projet)")
    p.add_argument("--moteur-shacl", choices=["pyshacl", "rudof"], default=None,
                   help="moteur SHACL : pyshacl (la référence, par défaut) ou rudof (plus rapide ; pySHACL revérifie "
                   "tout lot où rudof trouve un écart) ; défaut : $GRAPHE_MOTEUR_SHACL, sinon pyshacl")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe.build import build

    print(build(args.dist, project=args.project, shacl_engine=args.moteur_shacl).summary())
    return 0
