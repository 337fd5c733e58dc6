"""A commune's contract as the annex structures it, from the rows of ``commune-structure.rq``.

enjeux transversaux and axes (by rank) → objectives (by rank; Saint-Maur's objectifs
opérationnels nested under their axe prioritaire) → example actions (by rank). Each element
carries its partners, dispositifs, quartiers and themes (``commune-liens.rq``), its passage
in the annex and its anchor in the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphe.web.data import anchor, page_url, passage_url

LINK_KINDS = ("partenaire", "dispositif", "quartier", "theme")


@dataclass
class Link:
    iri: str
    label: str
    url: str
    kind: str  # partenaire, dispositif, quartier, theme
    sort: str = ""  # the partner's class (Association, Service de l'État…)
    role: str = ""  # filled once the model says who does what
    passage: str | None = None  # where the annex names it there


@dataclass
class Element:
    iri: str
    kind: str  # contrat, enjeu, axe, objectif, action
    label: str
    rank: int = 0
    number: str = ""
    description: str = ""
    passage: str | None = None
    children: list[Element] = field(default_factory=list)
    links: dict[str, list[Link]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return anchor(self.iri)

    def of(self, kind: str) -> list[Element]:
        return [c for c in self.children if c.kind == kind]

    def count(self, kind: str) -> int:
        return sum((c.kind == kind) + c.count(kind) for c in self.children)


def build(contract_iri: str, title: str, structure: list[dict], links: list[dict]) -> Element:
    """The tree of one contract; rows whose parent is unknown hang nowhere (never happens in valid data)."""
    root = Element(contract_iri, "contrat", title)
    nodes = {contract_iri: root}
    for row in structure:
        nodes[row["element"]] = Element(
            iri=row["element"], kind=row["genre"], label=row["libelle"], rank=int(row.get("rang") or 0),
            number=row.get("numero", ""), description=row.get("description", ""),
            passage=passage_url(row.get("debut"), row.get("fin")),
        )
    for row in structure:
        parent = nodes.get(row["parent"])
        if parent is not None:
            parent.children.append(nodes[row["element"]])
    for node in nodes.values():
        node.children.sort(key=lambda e: (e.rank, e.label))
    attach(nodes, links)
    return root


def attach(nodes: dict[str, Element], rows: list[dict]) -> None:
    """Hang each element's partners, dispositifs, quartiers and themes on it (once each)."""
    for row in rows:
        node = nodes.get(row["element"])
        if node is None:
            continue
        bucket = node.links.setdefault(row["lien"], [])
        if any(link.iri == row["cible"] for link in bucket):
            continue
        bucket.append(Link(
            iri=row["cible"], label=row["libelle"], url=page_url(row["cible"]), kind=row["lien"],
            sort=row.get("sorte", ""), role=row.get("role", ""),
            passage=passage_url(row.get("debut"), row.get("fin")),
        ))
    for node in nodes.values():
        for bucket in node.links.values():
            bucket.sort(key=lambda link: link.label.lower())
