"""How much of the annex the graph holds: its list items and numbered objectives.

The annex is Markdown written by hand, so its structure is read from line shapes, not from a
Markdown parser: a *numbered objective* is a line whose text starts with ``N.`` whatever wraps
it (``**1. …**``, ``### **3. …**``, ``- 2. Mobiliser …**``) or an ``Axe prioritaire n°k – …``
heading; an *action* is a bullet after an ``Exemple(s) d'action(s)…`` line, until the next
paragraph; every other bullet, at any indentation, is a *puce* (enjeux, figures, the bulleted
objectives of Fontenay, Saint-Maur and Villiers); inside a commune's section, every other line
set as a heading or in bold is an *intertitre* (the axes, Champigny's unnumbered engagement
"En matière de prévention…", the bold statements that open Fontenay's axes).

Rule: an item is **covered** when the ``cdv:passage`` spans of the graph's resources cover at
least :data:`THRESHOLD` of its non-blank characters. Mentions do not count (they are names
inside a passage, not facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph

from graphe.namespaces import CDV, OA

#: Share of an item's non-blank characters that passages must cover.
THRESHOLD = 0.6

#: Item kinds, in report order, with their French names.
KINDS = {
    "objectif": "objectifs numérotés",
    "action": "actions (exemples)",
    "puce": "autres puces",
    "intertitre": "intertitres",
}

COMMUNE = re.compile(r"Orientations et objectifs du contrat de ville de la commune de (?P<name>[^:*]+?)\s*:")
OBJECTIVE = re.compile(r"^\s*(?:[-*]\s+)?(?:#{1,6}\s*)?(?:\*\*)?\s*\d+\.\s+(?P<body>.+?)\s*(?:\*\*)?\s*$")
AXE_PRIORITAIRE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*Axe prioritaire\s+(?:n°\s*)?\d+\s*[–-]\s*(?P<body>.+?)\s*:?\s*(?:\*\*)?\s*$"
)
BULLET = re.compile(r"^\s*[-*]\s+(?P<body>.+?)\s*$")
EXAMPLES = re.compile(r"^\s*Exemples? d.actions?\b", re.IGNORECASE)
HEADING = re.compile(r"^(?=\s*(?:#|\*\*|➤))[\s#*➤]*(?P<body>[^\s#*➤].*?)[\s*:]*$")


@dataclass(frozen=True)
class Item:
    """One list item or numbered objective of the annex, with the span of its text."""

    kind: str
    commune: str
    line: int  # 1-based
    start: int
    end: int
    text: str


def _body_span(line: str, match: re.Match) -> tuple[int, int]:
    """Span of the item's words in ``line``: emphasis stars and trailing colons left out."""
    start, end = match.span("body")
    while start < end and line[start] in "*_ ":
        start += 1
    while end > start and line[end - 1] in "*_ :":
        end -= 1
    return start, end


def items(text: str) -> list[Item]:
    """The annex's items, in order.

    >>> t = "#### Orientations et objectifs du contrat de ville de la commune de X :\\n\\n**1. Agir.**\\n\\nExemple d'actions :\\n\\n- *Faire ceci*\\n\\nTexte.\\n- autre\\n"
    >>> [(i.kind, i.commune, i.text) for i in items(t)]
    [('objectif', 'X', 'Agir.'), ('action', 'X', 'Faire ceci'), ('puce', 'X', 'autre')]
    """
    found = []
    commune = ""
    in_examples = False
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        content = line.rstrip("\r\n")
        if m := COMMUNE.search(content):
            commune, in_examples = m.group("name").strip(), False
        elif m := OBJECTIVE.match(content) or AXE_PRIORITAIRE.match(content):
            found.append(_item("objectif", commune, number, offset, content, m))
            in_examples = False
        elif EXAMPLES.match(content):
            in_examples = True
        elif commune and (m := HEADING.match(content)):
            found.append(_item("intertitre", commune, number, offset, content, m))
            in_examples = False
        elif m := BULLET.match(content):
            found.append(_item("action" if in_examples else "puce", commune, number, offset, content, m))
        elif content.strip():
            in_examples = False
        offset += len(line)
    return found


def _item(kind: str, commune: str, number: int, offset: int, line: str, m: re.Match) -> Item:
    start, end = _body_span(line, m)
    return Item(kind, commune, number, offset + start, offset + end, line[start:end])


def passage_spans(graph: Graph) -> list[tuple[int, int]]:
    """(start, end) of every ``cdv:passage`` in ``graph``."""
    spans = []
    for target in set(graph.objects(None, CDV.passage)):
        for sel in graph.objects(target, OA.hasSelector):
            start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
            if start is not None and end is not None:
                spans.append((int(start), int(end)))
    return spans


@dataclass
class Coverage:
    """Each item with the share of its non-blank characters that passages cover."""

    items: list[tuple[Item, float]]

    def covered(self, item_ratio: tuple[Item, float]) -> bool:
        return item_ratio[1] >= THRESHOLD

    def share(self, kind: str | None = None, commune: str | None = None) -> tuple[int, int]:
        """(covered, total) over the items of ``kind`` and ``commune`` (None: all)."""
        chosen = [
            ir for ir in self.items if (kind is None or ir[0].kind == kind) and (commune is None or ir[0].commune == commune)
        ]
        return sum(self.covered(ir) for ir in chosen), len(chosen)

    def percent(self, kind: str | None = None, commune: str | None = None) -> float:
        done, total = self.share(kind, commune)
        return 100.0 * done / total if total else 100.0

    def communes(self) -> list[str]:
        return list(dict.fromkeys(i.commune for i, _ in self.items))

    def misses(self) -> list[tuple[Item, float]]:
        return [ir for ir in self.items if not self.covered(ir)]

    def as_dict(self) -> dict:
        """For ``--format json``."""
        return {
            "seuil": THRESHOLD,
            "total": {"couverts": self.share()[0], "elements": self.share()[1], "pourcentage": round(self.percent(), 1)},
            "communes": {
                c or "(introduction)": {
                    k: {"couverts": self.share(k, c)[0], "elements": self.share(k, c)[1]} for k in KINDS
                }
                for c in self.communes()
            },
            "manquants": [
                {"commune": i.commune, "type": i.kind, "ligne": i.line, "debut": i.start, "fin": i.end,
                 "couvert": round(r, 2), "texte": i.text}
                for i, r in self.misses()
            ],
        }

    def text(self) -> str:
        """The report for people: per commune the share covered by kind, then the misses."""
        out = [f"Couverture de l'annexe (élément couvert si ≥ {THRESHOLD:.0%} de ses caractères sont dans un passage)"]
        for c in self.communes():
            parts = []
            for k, label in KINDS.items():
                done, total = self.share(k, c)
                if total:
                    parts.append(f"{label} {done}/{total}")
            out.append(f"  {c or '(introduction)'}: {self.percent(commune=c):.0f} % — " + ", ".join(parts))
        done, total = self.share()
        out.append(f"  total: {done}/{total} ({self.percent():.1f} %)")
        misses = self.misses()
        if misses:
            out.append(f"\nNon couverts ({len(misses)}):")
            for i, r in misses:
                out.append(f"  [{i.commune}] {i.kind} ligne {i.line} ({r:.0%}): {i.text}")
        return "\n".join(out)


def measure(graph: Graph, text: str) -> Coverage:
    """Coverage of ``text`` (the annex) by the passages of ``graph``."""
    mask = bytearray(len(text))
    for start, end in passage_spans(graph):
        lo, hi = max(start, 0), min(end, len(text))
        if lo < hi:
            mask[lo:hi] = b"\x01" * (hi - lo)
    result = []
    for item in items(text):
        positions = [k for k in range(item.start, item.end) if not text[k].isspace()]
        ratio = sum(mask[k] for k in positions) / len(positions) if positions else 1.0
        result.append((item, ratio))
    return Coverage(result)
