"""``graphe validate``: the SHACL and cross-entity report and the quote checks, without building."""

from __future__ import annotations

from pathlib import Path

from graphe.errors import ProvenanceError, ValidationFailed


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="valider des fichiers dans le contexte de toutes les données (SHACL, vérifications, citations), sans construire",
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FICHIER",
                   help="fichiers à valider ; un fichier du même nom qu'un fichier du projet le remplace "
                   "(défaut : l'ontologie et toutes les données)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe import curate

    outcome = curate.check(args.files, args.project)  # an unreadable file → DataError (exit 2) naming file and line
    print(outcome.text().rstrip("\n"))
    if not outcome.report.conforms:
        return ValidationFailed.exit_code
    if outcome.anchor_problems:
        return ProvenanceError.exit_code
    return 0
