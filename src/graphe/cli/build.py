"""``graphe build``: the whole pipeline into ``dist/``."""

from __future__ import annotations

from pathlib import Path

from graphe import paths


def register(sub) -> None:
    p = sub.add_parser("build", help="construire le jeu de données dans dist/ (valide, vérifie, raisonne)")
    p.add_argument("--dist", type=Path, default=None, help=f"répertoire de sortie (défaut : {paths.DIST})")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe.build import build

    print(build(args.dist).summary())
    return 0
