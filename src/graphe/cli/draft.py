"""The ``graphe draft`` subcommand: arguments, and the run that writes the draft or the diff."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "draft",
        help="brouillon de triplets d'après une nouvelle annexe (à relire avant publication)",
        description="Lit une annexe Markdown et écrit un brouillon Turtle dans le modèle du projet : contrat, "
        "enjeux, axes, objectifs, actions, mentions des partenaires, dispositifs et quartiers connus, "
        "organisations candidates, chiffres et dates. Tout porte cdv:brouillon true : `graphe build` "
        "refuse de le publier tant qu'un curateur ne l'a pas accepté.",
    )
    p.add_argument("source", type=Path, metavar="ANNEXE.md", help="l'annexe à lire (Markdown)")
    p.add_argument("--commune", required=True, metavar="NOM", help="la commune dont lire le contrat (libellé du référentiel)")
    p.add_argument("--out", type=Path, default=None, metavar="FICHIER.ttl", help="où écrire le brouillon (défaut : la sortie standard)")
    p.add_argument("--diff", action="store_true",
                   help="comparer le brouillon aux données relues de la commune : ce que l'un trouve et l'autre pas")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphe.draft import draft, turtle

    d = draft(args.source, args.commune)
    if args.diff:
        from graphe.draft import diff

        print(diff.text(diff.compare(d)), end="")
        return 0
    text, _ = turtle.write(d)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            from graphe.errors import DataError

            raise DataError(f"{args.out}: écriture impossible : {exc}") from None
        n = {k: len(d.of_kind(k)) for k in ("axe", "objectif", "action", "enjeu")}
        links = sum(len(r.mentions) for r in d.resources)
        print(f"brouillon écrit dans {args.out} : {n['enjeu']} enjeux, {n['axe']} axes, {n['objectif']} objectifs, "
              f"{n['action']} actions, {links} liens, {len(d.candidates)} organisations candidates, "
              f"{len(d.figures)} chiffres, {len(d.dates)} dates ; {len(d.unread)} paragraphes non compris")
    return 0
