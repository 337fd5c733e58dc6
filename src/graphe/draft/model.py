"""What a draft holds, before it is written as Turtle: resources with their spans in the source."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Span:
    start: int
    end: int

    def quote(self, source: str) -> str:
        return source[self.start : self.end]


@dataclass
class Mention:
    body: str  # IRI of the known partner, dispositif or quartier
    kind: str  # "partenaire", "dispositif" or "quartier"
    span: Span
    role: str = ""  # partners: the role slug (graphe.draft.roles) …
    role_span: Span | None = None  # … and the text that states it


@dataclass
class Resource:
    """A drafted contract, enjeu, axis, objective or action."""

    kind: str  # "contrat", "enjeu", "axe", "objectif", "action"
    span: Span
    title: Span  # the title alone (the label), inside ``span``
    parent: Resource | None = None
    rank: int = 0
    numero: str | None = None
    axe_prioritaire: bool = False
    slug: str = ""
    description: Span | None = None  # the explanatory paragraphs, when the passage has them
    mentions: list[Mention] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # IRIs (axes: guessed from the title)
    children: list[Resource] = field(default_factory=list)


@dataclass
class Candidate:
    """A name that looks like an organisation the lexicon does not know."""

    name: str
    span: Span
    reason: str  # why it was kept, in French
    slug: str = ""


@dataclass
class Figure:
    value: str  # decimal lexical form
    unit: str  # unit slug: pourcent, euro, point-de-pourcentage, heure, nombre
    span: Span  # the clause
    number: Span  # the figure itself
    year: str | None = None
    qualifier: str | None = None
    slug: str = ""


@dataclass
class Date:
    value: str  # xsd lexical form
    datatype: str  # "date", "gYearMonth", "gYear"
    span: Span  # the clause
    at: Span  # the date expression
    about: Resource | None = None
    slug: str = ""


@dataclass
class Draft:
    source: str  # the source text (offsets index into it)
    source_path: str
    document: str  # IRI of the source document
    commune: str  # IRI of the commune
    commune_label: str
    key: str  # the commune's short key in slugs ("champigny")
    section: Span
    resources: list[Resource] = field(default_factory=list)  # in source order
    candidates: list[Candidate] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    dates: list[Date] = field(default_factory=list)
    unread: list[Span] = field(default_factory=list)  # paragraphs no resource holds

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.kind == kind]
