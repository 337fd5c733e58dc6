"""``graphe passage``: the Turtle block of a ``cdv:passage`` for a quote, with its offsets."""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("passage", help="écrire le bloc Turtle d'un passage (citation exacte et positions)")
    p.add_argument("quote", metavar="CITATION", help="texte exact du document source (avec $'…\\n…' pour un saut de ligne)")
    p.add_argument("--source", type=Path, default=None, metavar="FICHIER",
                   help="document source où chercher (défaut : l'annexe de data/source/)")
    p.add_argument("--after", type=int, default=0, metavar="POSITION",
                   help="chercher à partir de cette position (pour une citation qui apparaît plusieurs fois)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphe import provenance
    from graphe.errors import DataError

    source = args.source or args.project.default_source()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{source}: lecture impossible : {getattr(exc, 'strerror', None) or exc}") from None
    print(provenance.turtle_passage(args.quote, args.after, text=text, document=document_of(source, args.project)))
    start, _ = provenance.locate(args.quote, args.after, text=text)
    others = [i for i in _occurrences(text, args.quote) if i != start]
    if others:
        print(f"# attention : la citation apparaît aussi aux positions {others} (--after pour choisir)", file=sys.stderr)
    return 0


def _occurrences(text: str, quote: str) -> list[int]:
    found, i = [], text.find(quote)
    while i >= 0:
        found.append(i)
        i = text.find(quote, i + 1)
    return found


def document_of(source: Path, project) -> str:
    """The prefixed name of the ``cdv:Document`` whose file is ``source`` (``dcterms:identifier``);
    for a document not declared yet, ``document:{file stem}`` and a reminder to declare it."""
    from graphe import dataset, sources
    from graphe.namespaces import readable

    try:
        declared = sources.documents(dataset.union(dataset.load(project=project)), project)
    except Exception:  # noqa: BLE001 - data that does not parse yet must not stop the helper
        declared = {}
    for iri, path in declared.items():
        if path.resolve() == source.resolve():
            return readable(str(iri), project)
    name = f"document:{source.stem}"
    print(f"# à déclarer : {name} a cdv:Document ; dcterms:identifier \"data/source/{source.name}\" "
          "(voir CONTRIBUTING.md, « Ajouter une annexe »)", file=sys.stderr)
    return name
