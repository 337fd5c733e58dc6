"""``graphe validate``: the SHACL and cross-entity report, without building."""

from __future__ import annotations

from pathlib import Path

from graphe.errors import ValidationFailed


def register(sub) -> None:
    p = sub.add_parser("validate", help="valider les fichiers Turtle (SHACL + vérifications), sans construire")
    p.add_argument("files", nargs="*", type=Path, metavar="FICHIER",
                   help="fichiers à valider (défaut : l'ontologie et toutes les données)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe import dataset
    from graphe.validate import validate

    files = args.files or dataset.ontology_files() + dataset.data_files()
    report = validate(files)  # an unreadable file → DataError (exit 2) naming file and line
    print(report.text().rstrip("\n"))
    return 0 if report.conforms else ValidationFailed.exit_code
