"""Scoring a draft against the curated graph of the same commune (the benchmark and ``--diff``).

Curated passages differ from drafted ones only by a closing mark now and then (the curators kept
"." after a bold title but not after a list item), so two passages are *the same* when they start
at the same offset and end at the same offset once closing punctuation is set aside. Mentions,
figures and dates are matched by overlapping spans (and the same body for mentions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, Graph, URIRef

from graphe.draft.model import Draft, Span
from graphe.namespaces import CDV, OA

CLOSING = " \t.;:*…"


@dataclass
class Gold:
    objectifs: dict[str, Span] = field(default_factory=dict)
    actions: dict[str, Span] = field(default_factory=dict)
    mentions: list[tuple[str, Span]] = field(default_factory=list)
    observations: dict[str, Span] = field(default_factory=dict)
    evenements: dict[str, Span] = field(default_factory=dict)
    themes: list[tuple[str, Span]] = field(default_factory=list)  # (theme, its axis's passage)


def span_of(graph: Graph, target) -> Span | None:
    for sel in graph.objects(target, OA.hasSelector):
        start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
        if start is not None and end is not None:
            return Span(int(start), int(end))
    return None


def gold(curated: Graph) -> Gold:
    g = Gold()
    for cls, into in ((CDV.Objectif, g.objectifs), (CDV.Action, g.actions),
                      (CDV.Observation, g.observations), (CDV.Evenement, g.evenements)):
        for s in curated.subjects(RDF.type, cls):
            p = curated.value(s, CDV.passage)
            if p is not None and (sp := span_of(curated, p)):
                into[str(s)] = sp
    for axis in curated.subjects(RDF.type, CDV.Axe):
        p = curated.value(axis, CDV.passage)
        if p is not None and (sp := span_of(curated, p)):
            g.themes += [(str(t), sp) for t in curated.objects(axis, CDV.theme)]
    for m in curated.subjects(RDF.type, CDV.Mention):
        body, target = curated.value(m, OA.hasBody), curated.value(m, OA.hasTarget)
        if body is not None and target is not None and (sp := span_of(curated, target)):
            g.mentions.append((str(body), sp))
    return g


def same(source: str, a: Span, b: Span) -> bool:
    return a.start == b.start and _end(source, a) == _end(source, b)


def _end(source: str, s: Span) -> int:
    end = s.end
    while end > s.start and source[end - 1] in CLOSING:
        end -= 1
    return end


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass
class Score:
    found: int  # drafted items that match a curated one
    drafted: int
    recalled: int  # curated items a drafted one matches
    curated: int
    missing: list = field(default_factory=list)  # curated, not drafted
    extra: list = field(default_factory=list)  # drafted, not curated

    @property
    def precision(self) -> float:
        return self.found / self.drafted if self.drafted else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.curated if self.curated else 1.0


def compare_spans(drafted: list, curated: list, match) -> Score:
    """``drafted``/``curated``: (key, span) pairs; ``match(d, c)`` decides."""
    found = [d for d in drafted if any(match(d, c) for c in curated)]
    recalled = [c for c in curated if any(match(d, c) for d in drafted)]
    return Score(len(found), len(drafted), len(recalled), len(curated),
                 missing=[c for c in curated if c not in recalled], extra=[d for d in drafted if d not in found])


def score(d: Draft, g: Gold, excluded: set[str] = frozenset()) -> dict[str, Score]:
    src = d.source

    def spans(kind: str) -> list:
        return [(f"{kind}:{r.slug}", r.span) for r in d.of_kind(kind)]

    def by_passage(a, b) -> bool:
        return same(src, a[1], b[1])

    def by_body(a, b) -> bool:
        return a[0] == b[0] and overlaps(a[1], b[1])

    def by_overlap(a, b) -> bool:
        return overlaps(a[1], b[1])

    links = _dedupe([(m.body, m.span) for r in d.resources for m in r.mentions])
    known = _dedupe([(b, s) for b, s in g.mentions if b not in excluded])
    out = {
        "objectifs": compare_spans(spans("objectif"), list(g.objectifs.items()), by_passage),
        "actions": compare_spans(spans("action"), list(g.actions.items()), by_passage),
        "liens": compare_spans(links, known, by_body),
        "chiffres": compare_spans([(f"observation:{f.slug}", f.span) for f in d.figures], list(g.observations.items()), by_overlap),
        "dates": compare_spans([(f"evenement:{x.slug}", x.span) for x in d.dates], list(g.evenements.items()), by_overlap),
        "themes": compare_spans([(t, r.span) for r in d.of_kind("axe") for t in r.themes], g.themes,
                                lambda a, b: a[0] == b[0] and a[1].start == b[1].start),
    }
    if excluded:
        out["candidats"] = candidates_score(d, g, excluded)
    return out


def roles_score(d: Draft, graph: Graph) -> Score:
    """Drafted participations against the curated ones whose passage lies in the commune's section:
    same partner, same role, overlapping passages."""
    PROV = "http://www.w3.org/ns/prov#"
    curated = []
    for part in graph.subjects(RDF.type, CDV.Participation):
        agent, role = graph.value(part, URIRef(PROV + "agent")), graph.value(part, URIRef(PROV + "hadRole"))
        p = graph.value(part, CDV.passage)
        sp = span_of(graph, p) if p is not None else None
        if agent is not None and role is not None and sp and d.section.start <= sp.start < d.section.end:
            curated.append((f"{agent} {role}", sp))
    role_ns = "https://w3id.org/contrats-de-ville/id/role/"
    drafted = [(f"{m.body} {role_ns}{m.role}", m.role_span) for r in d.resources for m in r.mentions if m.role]
    return compare_spans(_dedupe(drafted), _dedupe(curated), lambda a, b: a[0] == b[0] and overlaps(a[1], b[1]))


def candidates_score(d: Draft, g: Gold, excluded: set[str]) -> Score:
    """Candidates against the commune's own organisations and quartiers the lexicon was denied."""
    local = [(b, s) for b, s in g.mentions if b in excluded]
    cands = [(c.name, c.span) for c in d.candidates]
    found = [c for c in cands if any(overlaps(c[1], s) for _, s in local)]
    bodies = sorted({b for b, _ in local})
    recalled = [b for b in bodies if any(overlaps(c[1], s) for c in cands for bb, s in local if bb == b)]
    return Score(len(found), len(cands), len(recalled), len(bodies),
                 missing=[b for b in bodies if b not in recalled], extra=[c for c in cands if c not in found])


def _dedupe(pairs: list) -> list:
    seen, out = set(), []
    for body, s in pairs:
        if (body, s.start) not in seen:
            seen.add((body, s.start))
            out.append((body, s))
    return out


def local_entities(full: Graph, curated: Graph, commune: str, key: str, others: Graph) -> set[str]:
    """A commune's own partners, projects and quartiers: what a new annex's lexicon could not know.

    Its quartiers; dispositifs and partners named after it or attached to it (org:unitOf); and the
    partners only its contract mentions, unless they are national or regional public bodies
    (the State's services, public establishments, local authorities), which any lexicon has.
    """
    from graphe.draft.lexicon import known_entities, subclasses

    national = set()
    for root in (CDV.ServiceDeLEtat, CDV.EtablissementPublic, CDV.CollectiviteTerritoriale):
        for cls in subclasses(full, root):
            national |= {str(s) for s in full.subjects(RDF.type, cls)}
    mentioned_here = {str(b) for b in curated.objects(None, OA.hasBody)}
    elsewhere = {str(b) for b in others.objects(None, OA.hasBody)}  # ``others``: every file but the commune's
    out = set()
    unit_of = URIRef("http://www.w3.org/ns/org#unitOf")
    for iri, kind in known_entities(full).items():
        slug = iri.rsplit("/", 1)[-1]
        if kind == "quartier":
            if (URIRef(iri), CDV.commune, URIRef(commune)) in full:
                out.add(iri)
        elif slug.startswith(key + "-") or (URIRef(iri), unit_of, URIRef(commune)) in full:
            out.add(iri)
        elif kind in ("partenaire", "projet", "instance") and iri in mentioned_here and iri not in elsewhere \
                and iri not in national:
            out.add(iri)
    return out


@dataclass
class Run:
    """One commune drafted leave-one-commune-out, scored against its curated file."""

    label: str
    scores: dict[str, Score]
    quotes_ok: int
    quotes: int
    excluded: int


def leave_one_out() -> list[Run]:
    """Every commune with a curated file, drafted as a new annex would be (bench/draft.py).

    The draft reads every data file but the commune's own, and its lexicon is denied the
    commune's local entities (:func:`local_entities`), which must come back as candidates.
    """
    from rdflib import RDFS

    from graphe import dataset
    from graphe.draft import annex_for, commune_key, draft, slugify, turtle
    from graphe.namespaces import bind_all
    from graphe.project import current

    project = current()
    files = dataset.ontology_files(project) + dataset.data_files(project)
    full = dataset.union(dataset.load(files))
    runs = []
    for commune in sorted(full.subjects(RDF.type, CDV.Commune)):
        label = str(full.value(commune, RDFS.label))
        own = project.data_ttl / f"{slugify(label)}.ttl"
        if not own.is_file():
            continue
        context = bind_all(Graph())
        for path in files:
            if path != own:
                dataset.parse_file(path, into=context)
        curated = dataset.parse_file(own)
        excluded = local_entities(full, curated, str(commune), commune_key(label), context)
        d = draft(annex_for(label, project), label, graph=context, exclude=excluded)
        ok, n = verbatim(turtle.write(d)[0], d.source)
        scores = score(d, gold(curated), excluded)
        scores["roles"] = roles_score(d, full)
        runs.append(Run(label, scores, ok, n, len(excluded)))
    return runs


def verbatim(text: str, source: str) -> tuple[int, int]:
    """(quotes at their offsets, quotes) in a written draft."""
    g = Graph().parse(data=text, format="turtle")
    ok = n = 0
    for target in set(g.subjects(OA.hasSelector, None)):
        sels = list(g.objects(target, OA.hasSelector))
        exact = next((g.value(s, OA.exact) for s in sels if g.value(s, OA.exact) is not None), None)
        start = next((g.value(s, OA.start) for s in sels if g.value(s, OA.start) is not None), None)
        end = next((g.value(s, OA.end) for s in sels if g.value(s, OA.end) is not None), None)
        n += 1
        ok += None not in (exact, start, end) and source[int(start) : int(end)] == str(exact)
    return ok, n


def totals(runs: list[Run]) -> dict[str, tuple[float, float, list[int]]]:
    """Kind → (recall, precision, [found, drafted, recalled, curated]) over all the runs."""
    out = {}
    for kind in runs[0].scores if runs else ():
        t = [0, 0, 0, 0]
        for r in runs:
            s = r.scores[kind]
            for i, v in enumerate((s.found, s.drafted, s.recalled, s.curated)):
                t[i] += v
        out[kind] = (t[2] / t[3] if t[3] else 1.0, t[0] / t[1] if t[1] else 1.0, t)
    return out
