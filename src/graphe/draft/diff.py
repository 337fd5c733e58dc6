"""``graphe draft --diff``: the curator's checklist between a draft and the curated file.

What the draft found that the curated graph lacks (to add, or to reject), and what the curated
graph holds that the draft missed (to check by hand), kind by kind, each with its quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphe.draft.model import Draft, Span
from graphe.draft.score import Score, gold, score
from graphe.errors import DataError
from graphe.namespaces import curie
from graphe.project import current

KINDS = {"objectifs": "objectifs", "actions": "actions", "liens": "liens vers des entités connues",
         "chiffres": "chiffres", "dates": "dates"}


@dataclass
class Diff:
    draft: Draft
    curated_file: str
    scores: dict[str, Score]


def compare(d: Draft) -> Diff:
    from graphe import dataset
    from graphe.draft import slugify

    f = current().data_ttl / f"{slugify(d.commune_label)}.ttl"
    if not f.is_file():
        raise DataError(f"aucune donnée relue pour {d.commune_label} ({f.name} absent de data/ttl/) : rien à comparer")
    return Diff(d, f"data/ttl/{f.name}", score(d, gold(dataset.parse_file(f))))


def _quote(d: Draft, span: Span) -> str:
    q = " ".join(span.quote(d.source).replace("*", "").split())
    return q if len(q) <= 90 else q[:87] + "…"


def _name(key: str) -> str:
    return curie(key) or key


def text(diff: Diff) -> str:
    d = diff.draft
    out = [f"Brouillon de {d.commune_label} comparé à {diff.curated_file}", ""]
    for kind, title in KINDS.items():
        s = diff.scores[kind]
        out.append(f"{title} : {s.recalled}/{s.curated} des données relues retrouvés, "
                   f"{s.found}/{s.drafted} du brouillon confirmés")
        for key, span in s.extra:
            out.append(f"  + brouillon seul   [{span.start}–{span.end}] {_name(key)} « {_quote(d, span)} »")
        for key, span in s.missing:
            out.append(f"  - relu seul        [{span.start}–{span.end}] {_name(key)} « {_quote(d, span)} »")
        out.append("")
    if d.candidates:
        out.append(f"organisations candidates (jamais liées, à créer ou à écarter) : {len(d.candidates)}")
        for c in d.candidates:
            out.append(f"  ? [{c.span.start}–{c.span.end}] « {c.name} » ({c.reason})")
    return "\n".join(out).rstrip("\n") + "\n"
