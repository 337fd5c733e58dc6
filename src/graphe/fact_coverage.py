"""How much of who does what, projects, governance, dates and figures the graph holds (issue #7).

`graphe.coverage` measures the annex's items (objectives, bullets); this module measures, across the
whole text, five kinds of statement that sit *inside* items and that a passage-level measure cannot
see:

- **roles**: every wording of a role the annex uses — the ``skos:hiddenLabel`` of the concepts of
  the role scheme (``ontology/roles.ttl``: "copilotée par", "opérateur de"…) — must lie inside the
  passage of a participation holding that role; and, of the passages that name a partner, those
  that state a role must have their partners' roles in the graph;
- **projects** and **governance bodies**: every place the annex names one (the patterns below: a
  quoted or capitalised project name, "comité de pilotage", "commission", "protocole"…) must lie
  inside the passage or a mention of a held project or body (or of a dispositif, when the name is a
  national scheme's, such as the Protocole d'Accès aux Droits or the Cité éducative);
- **dates**: every year the annex writes must lie inside the passage of a resource that carries
  that year in one of its dates (``dcterms:date``, ``dcat:startDate``/``endDate``, ``cdv:annee``);
- **figures**: every number that is not a date, an ordinal, a numbering or part of a name must lie
  inside the passage of a ``cdv:Observation`` (the "quatre contrats de ville" of the introduction
  are the four contract resources themselves).

Patterns are read from the text, not from the graph, so a name or a number the curators missed
shows up as a miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SKOS

from graphe.namespaces import CDV, NAMESPACES, OA

PROV = Namespace(NAMESPACES["prov"])
DCTERMS = Namespace(NAMESPACES["dcterms"])
DCAT = Namespace(NAMESPACES["dcat"])
ROLE_PARTENAIRE = URIRef(NAMESPACES["role"] + "partenaire")

#: How the annex names a local project: « quoted » after "projet"/"action"/"dit", a capitalised
#: name after "Projet (de|du)", an acronym in parentheses after a capitalised word.
PROJECT = re.compile(
    r"[Pp]rojets?\s+(?:[^\s«».,]+\s+){0,2}(?:d')?«[^»]+»"
    r"|[Pp]rojet\s+(?:de\s+|du\s+)?[A-ZÉ][\w'’-]*(?:\s+[A-ZÉ][\w'’-]*)*"
    r"|\bdit\s*«[^»]+»|\bl'action\s*«[^»]+»"
    r"|[A-ZÉ][\w'’-]+\s\([A-Z]{2,5}\)"
)
#: How the annex names a governance body or instrument.
GOVERNANCE = re.compile(
    r"comités? de pilotage|\bcopil\b|\bcommissions?\b|groupes? de travail|\bprotocoles?\b"
    r"|instance de veille|instances de suivi|rencontres bimensuelles|[ée]quipe pluridisciplinaire",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
#: A number: digits (with thousands spaces, a decimal point or a fraction), or a number word.
NUMBER = re.compile(
    r"(?<![\w/.])\d+(?:[  ]\d{3})*(?:[.,]\d+)?(?:/\d+)?(?![\w/])"
    r"|\b(?:deux|trois|quatre|trente|quinzaine|centaine|troisième)\b",
    re.IGNORECASE,
)
COMMUNE = re.compile(r"Orientations et objectifs du contrat de ville de la commune de (?P<name>[^:*]+?)\s*:")


def _not_a_figure(text: str, m: re.Match) -> bool:
    """Dates, numbering, ordinals and numbers that are part of a name are no figures."""
    before, after = text[max(0, m.start() - 20) : m.start()], text[m.end() : m.end() + 30]
    if re.fullmatch(r"(?:19|20)\d{2}(?:/(?:19|20)\d{2})?", m.group()):
        return True  # a year, or "2019/2020"
    if re.match(r"\s+contrats de ville", after):
        return True  # "chacun des quatre contrats de ville": the four contracts are resources themselves
    if re.match(rf"\s*(?:{MONTHS})", after) or re.match(r"(?:<sup>|e\b|ème)", after):
        return True
    if re.search(r"(?:^|\n)[\s#*➤-]*$", before) and after.startswith("."):
        return True  # "1. Développer…"
    if re.search(r"(?:n°\s*|[Aa]xe prioritaire\s+|[Aa]nnexe\s+|[A-Z]{2,}\s|[A-Z])$", before):
        return True  # "n°1", "Axe prioritaire 2", "Annexe 1", "EPT 10", "FACE 94", "E2C"
    return m.group().casefold() == "troisième" and "référent" not in after


@dataclass
class Tally:
    """Occurrences of one kind of statement in the annex, and those the graph holds."""

    label: str
    found: int = 0
    held: int = 0
    misses: list[str] = field(default_factory=list)

    def percent(self) -> float:
        return 100.0 * self.held / self.found if self.found else 100.0

    def add(self, ok: bool, text: str, start: int, end: int) -> None:
        self.found += 1
        self.held += ok
        if not ok:
            self.misses.append(f"{self.label} {start}–{end}: {text[start:end]!r}")


class _Index:
    """Spans of the graph's passages and mention targets, by kind of resource."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.types = {s: set(graph.objects(s, RDF.type)) for s in set(graph.subjects(RDF.type, None))}

    def span(self, target) -> tuple[int, int] | None:
        for sel in self.graph.objects(target, OA.hasSelector):
            start, end = self.graph.value(sel, OA.start), self.graph.value(sel, OA.end)
            if start is not None and end is not None:
                return int(start), int(end)
        return None

    def passages(self, cls=None):
        """(resource, start, end) of every passage, of resources of ``cls`` if given."""
        for s, t in self.graph.subject_objects(CDV.passage):
            if cls is None or cls in self.types.get(s, ()):
                if (sp := self.span(t)) is not None:
                    yield s, *sp

    def mentions(self, cls):
        """(resource, body, start, end) of every mention whose body is of ``cls``."""
        for s, m in self.graph.subject_objects(CDV.mention):
            body = self.graph.value(m, OA.hasBody)
            if cls in self.types.get(body, ()) and (sp := self.span(self.graph.value(m, OA.hasTarget))) is not None:
                yield s, body, *sp


def _inside(spans, start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


@dataclass
class FactCoverage:
    tallies: dict[str, Tally]
    passages_naming: int
    passages_stating: int
    passages_held: int
    per_commune: dict[str, dict[str, int]]

    def complete(self) -> bool:
        return all(t.held == t.found for t in self.tallies.values()) and self.passages_held == self.passages_stating

    def as_dict(self) -> dict:
        return {
            "roles": {"passages_nommant_un_partenaire": self.passages_naming, "enoncant_un_role": self.passages_stating,
                      "tenus": self.passages_held},
            **{k: {"trouves": t.found, "tenus": t.held, "manquants": t.misses} for k, t in self.tallies.items()},
            "par_commune": self.per_commune,
        }

    def text(self) -> str:
        share = (100.0 * self.passages_held / self.passages_stating) if self.passages_stating else 100.0
        out = [
            "\nQui fait quoi, projets, gouvernance, dates et chiffres (chaque occurrence dans l'annexe, tenue ou non)",
            f"  rôles : {self.passages_naming} passages nomment un partenaire, {self.passages_stating} énoncent un rôle, "
            f"le graphe tient les rôles de {self.passages_held} ({share:.0f} %)",
        ]
        for t in self.tallies.values():
            out.append(f"  {t.label} : {t.held}/{t.found} ({t.percent():.0f} %)")
        out.append("  Par commune (rôles énoncés, projets, instances, événements, chiffres) :")
        for commune, counts in self.per_commune.items():
            out.append(f"    {commune} : " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        misses = [m for t in self.tallies.values() for m in t.misses]
        if misses:
            out.append(f"  Non tenus ({len(misses)}) :")
            out += [f"    {m}" for m in misses]
        return "\n".join(out)


def _communes(text: str) -> list[tuple[int, str]]:
    return [(0, "(introduction)")] + [(m.start(), m.group("name").strip()) for m in COMMUNE.finditer(text)]


def _commune_at(bounds, offset: int) -> str:
    return [name for start, name in bounds if start <= offset][-1]


def measure(graph: Graph, text: str) -> FactCoverage:
    """Coverage of the annex ``text`` by ``graph`` for roles, projects, governance, dates and figures."""
    ix = _Index(graph)
    tallies = {k: Tally(label) for k, label in (
        ("indices_de_role", "indices de rôle"), ("projets", "projets nommés"),
        ("gouvernance", "instances de gouvernance nommées"), ("dates", "dates"), ("chiffres", "chiffres"))}

    # roles: each wording of a role inside a participation holding it
    by_role: dict = {}
    for resource, part in graph.subject_objects(CDV.participation):
        role, target = graph.value(part, PROV.hadRole), graph.value(part, CDV.passage)
        if (sp := ix.span(target)) is not None:
            by_role.setdefault(role, []).append((resource, *sp))
    cues = [(role, str(h)) for role in graph.subjects(RDF.type, CDV.Role) for h in graph.objects(role, SKOS.hiddenLabel)]
    stated: dict = {}  # offset span of a cue → role
    lowered = text.casefold()
    for role, cue in cues:
        for m in re.finditer(re.escape(cue.casefold()), lowered):
            ok = _inside([(a, b) for _, a, b in by_role.get(role, [])], m.start(), m.end())
            tallies["indices_de_role"].add(ok, text, m.start(), m.end())
            stated[(m.start(), m.end())] = role
    # of the passages that name a partner, those stating a role, and those whose roles the graph holds
    naming = {s for s, _, _, _ in ix.mentions(CDV.Partenaire)} | {
        s for s, o in graph.subject_objects(CDV.partenaire)}
    n_state = n_held = 0
    for resource in naming:
        span = next((sp for s, *sp in ix.passages() if s == resource), None)
        if span is None:
            continue
        roles_here = {r for (a, b), r in stated.items() if span[0] <= a and b <= span[1]}
        if roles_here:
            n_state += 1
            held = {graph.value(p, PROV.hadRole) for p in graph.objects(resource, CDV.participation)}
            n_held += roles_here <= held
    # projects and governance bodies
    for key, pattern, cls in (("projets", PROJECT, CDV.Projet), ("gouvernance", GOVERNANCE, CDV.InstanceDeGouvernance)):
        spans = [(a, b) for _, a, b in ix.passages(cls)] + [(a, b) for *_, a, b in ix.mentions(cls)]
        schemes = [(a, b) for *_, a, b in ix.mentions(CDV.Dispositif)]  # a national scheme's name
        for m in pattern.finditer(text):
            ok = _inside(spans, m.start(), m.end()) or any(a < m.end() and m.start() < b for a, b in schemes)
            tallies[key].add(ok, text, m.start(), m.end())
    # dates
    dated = []
    for s, a, b in ix.passages():
        values = " ".join(str(o) for p in (DCTERMS.date, DCAT.startDate, DCAT.endDate, CDV.annee) for o in graph.objects(s, p))
        if values:
            dated.append((a, b, values))
    for m in YEAR.finditer(text):
        ok = any(a <= m.start() and m.end() <= b and m.group() in values for a, b, values in dated)
        tallies["dates"].add(ok, text, m.start(), m.end())
    # figures
    observed = [(a, b) for _, a, b in ix.passages(CDV.Observation)]
    for m in NUMBER.finditer(text):
        if not _not_a_figure(text, m):
            tallies["chiffres"].add(_inside(observed, m.start(), m.end()), text, m.start(), m.end())
    # counts per commune, by where their passage starts
    bounds = _communes(text)
    per: dict[str, dict[str, int]] = {name: {"rôles énoncés": 0, "projets": 0, "instances": 0, "événements": 0, "chiffres": 0}
                                      for _, name in bounds}
    for resource, part in graph.subject_objects(CDV.participation):
        if graph.value(part, PROV.hadRole) != ROLE_PARTENAIRE and (sp := ix.span(graph.value(part, CDV.passage))):
            per[_commune_at(bounds, sp[0])]["rôles énoncés"] += 1
    for cls, key in ((CDV.Projet, "projets"), (CDV.InstanceDeGouvernance, "instances"),
                     (CDV.Evenement, "événements"), (CDV.Observation, "chiffres")):
        for _, a, _ in ix.passages(cls):
            per[_commune_at(bounds, a)][key] += 1
    return FactCoverage(tallies, len(naming), n_state, n_held, per)
