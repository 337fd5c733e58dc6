"""``graphe draft``: the machine's first pass over a new annex, for a curator to judge.

Deterministic and local: the annex's own layout conventions (structure), the names the graph
already holds (lexicon), a few patterns for unknown organisations, figures and dates. No model,
nothing downloaded. Everything it writes says ``cdv:brouillon true`` so that ``graphe validate``
checks it and ``graphe build`` refuses to publish it until a curator has accepted it.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, RDFS, Graph, URIRef

from graphe.draft import candidates, figures, structure
from graphe.draft.lexicon import PLACES, Lexicon, guess_themes
from graphe.draft.model import Draft, Mention, Span
from graphe.draft.roles import role_for
from graphe.draft.segment import blocks, fold
from graphe.errors import DataError
from graphe.namespaces import CDV, DOCUMENT

DCTERMS_IDENTIFIER = URIRef("http://purl.org/dc/terms/identifier")
AXIS_PREAMBLE = re.compile(r"^(?:axe\s*(?:n\s*°)?\s*\d+\s*[-–:.]\s*)?(?:les engagements (?:prioritaires )?de la ville (?:en matiere )?(?:de |d'|du |des )?)?")
STOP = {"les", "des", "aux", "dans", "pour", "avec", "sur", "une", "que", "qui", "matiere", "quartiers", "prioritaires"}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def commune_key(label: str) -> str:
    """"Champigny-sur-Marne" → "champigny", "Saint-Maur-des-Fossés" → "saint-maur" (modelling §5)."""
    return re.split(r"-(?:sur|sous|des|les|en|le|la|lez|du)-", slugify(core(label)))[0]


def core(label: str) -> str:
    """A commune's name without what its label adds in brackets ("Valbrume (commune fictive)")."""
    return re.sub(r"\s*\([^)]*\)", "", label).strip()


def find_commune(graph: Graph, name: str) -> tuple[str, str]:
    wanted = slugify(name)
    for c in sorted(graph.subjects(RDF.type, CDV.Commune)):
        for label in graph.objects(c, RDFS.label):
            if wanted in (slugify(str(label)), slugify(core(str(label)))):
                return str(c), str(label)
    raise DataError(
        f"commune inconnue du référentiel : « {name} ». Ajoutez-la à data/ttl/referentiel.ttl avec son "
        "code INSEE (jamais inventé) avant de lancer graphe draft."
    )


def find_document(graph: Graph, source_path: Path) -> str:
    """The cdv:Document whose dcterms:identifier is this file, else one named after the file
    (which the curator then declares in the referentiel, README "Curators")."""
    from graphe.sources import documents

    for doc, path in documents(graph).items():
        if path.resolve() == Path(source_path).resolve():
            return str(doc)
    for doc, ident in graph.subject_objects(DCTERMS_IDENTIFIER):
        if Path(str(ident)).name == Path(source_path).name:
            return str(doc)
    return str(DOCUMENT[slugify(Path(source_path).stem)])


def annex_for(commune: str, project=None) -> Path:
    """The annex of ``data/source/`` that holds the commune's contract heading (first by name)."""
    from graphe.project import current

    wanted = slugify(core(commune))
    for path in (project or current()).source_documents():
        if path.suffix != ".md":
            continue
        text = path.read_text(encoding="utf-8")
        if any(structure.is_contract_heading(b, text) and wanted in slugify(b.text(text)) for b in blocks(text)):
            return path
    raise DataError(f"aucune annexe de data/source/ ne contient le contrat de ville de « {commune} »")


def section(source: str, bl: list, commune: str) -> tuple[list, Span]:
    """The commune's blocks: from its contract heading to the next one (or the whole text)."""
    heads = [i for i, b in enumerate(bl) if structure.is_contract_heading(b, source)]
    if not heads:
        first = next((i for i, b in enumerate(bl) if b.kind == "heading"), 0)
        part = bl[first:]
    else:
        mine = [i for i in heads if slugify(core(commune)) in slugify(bl[i].text(source))]
        if not mine:
            names = ", ".join(f"« {bl[i].text(source)} »" for i in heads)
            raise DataError(f"aucun intertitre de contrat de ville pour « {commune} » dans l'annexe ({names})")
        nxt = [i for i in heads if i > mine[0]]
        part = bl[mine[0] : nxt[0] if nxt else len(bl)]
    if not part:
        raise DataError("l'annexe est vide : aucun bloc de texte à lire")
    return part, Span(part[0].start, part[-1].end)


def draft(
    source_path: Path,
    commune: str,
    graph: Graph | None = None,
    exclude: set[str] = frozenset(),
) -> Draft:
    """Draft ``commune``'s contract from ``source_path`` with the names ``graph`` knows.

    ``exclude``: IRIs left out of the lexicon (the benchmark drops a commune's own partners).
    """
    from graphe import dataset

    try:
        source = Path(source_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{source_path}: lecture impossible : {exc}") from None
    if graph is None:
        graph = dataset.union(dataset.load())
    commune_iri, commune_label = find_commune(graph, commune)
    bl = blocks(source)
    part, span = section(source, bl, commune_label)
    resources, unread = structure.read(source, part)
    d = Draft(source, str(source_path), find_document(graph, Path(source_path)), commune_iri, commune_label,
              commune_key(commune_label), span, resources, unread=unread)
    _slugs(d, graph)

    lexicon = Lexicon.from_graph(graph, exclude)
    elsewhere = _other_communes_quartiers(graph, commune_iri)
    content = [Span(b.cstart, b.cend) for b in part]
    known = [m.span for s in content for m in lexicon.find(source, s.start, s.end)]
    for r in d.resources:
        seen: set[str] = set()
        for m in lexicon.find(source, r.span.start, r.span.end):
            if m.iri in seen or m.iri in elsewhere:
                continue
            seen.add(m.iri)
            mention = Mention(m.iri, m.kind, m.span)
            if m.kind == "partenaire":
                mention.role, mention.role_span = role_for(source, r.span, m.span)
            r.mentions.append(mention)
    places = Lexicon.from_graph(graph, kinds=PLACES)
    named = [m.span for s in content for m in places.find(source, s.start, s.end)]
    titles = [r.title for r in d.resources if r.kind == "axe"]
    d.candidates = candidates.find(source, content, known, named + titles)
    for c in d.candidates:
        c.slug = f"candidat-{d.key}-{slugify(c.name)}"
    skip = known + [c.span for c in d.candidates] + _numbering(d)
    d.figures, d.dates = figures.find(source, content, skip)
    _name_figures(d)
    return d


def _other_communes_quartiers(graph: Graph, commune: str) -> set[str]:
    """Quartiers of other communes only: "quartier prioritaire" names Villiers' QPV only there."""
    out = set()
    for q, c in graph.subject_objects(CDV.commune):
        if (q, CDV.commune, URIRef(commune)) not in graph:
            out.add(str(q))
    return out


def _numbering(d: Draft) -> list[Span]:
    """"Axe prioritaire n°2 –": a rank, not a figure."""
    out = []
    for r in d.resources:
        if r.axe_prioritaire:
            m = re.match(r"[^–\-:]*\d+", d.source[r.title.start : r.title.end])
            if m:
                out.append(Span(r.title.start, r.title.start + m.end()))
    return out


def _slugs(d: Draft, graph: Graph) -> None:
    used: set[str] = set()

    def unique(base: str) -> str:
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        return slug

    for r in d.resources:
        if r.kind == "contrat":
            r.slug = slugify(core(d.commune_label))
        elif r.kind == "enjeu":
            r.slug = f"{d.key}-{r.rank}"
        elif r.kind == "axe":
            words = [w for w in slugify(AXIS_PREAMBLE.sub("", fold(d.source[r.title.start : r.title.end]))).split("-")
                     if len(w) > 2 and w not in STOP]
            r.slug = unique(f"{d.key}-{'-'.join(words[:2]) or r.rank}")
            r.themes = guess_themes(graph, d.source[r.title.start : r.title.end])
        else:
            r.slug = f"{r.parent.slug}-{r.rank}"


def _name_figures(d: Draft) -> None:
    for n, f in enumerate(d.figures, start=1):
        f.slug = f"{d.key}-chiffre-{n}"
    used: set[str] = set()
    for dt in d.dates:
        base = f"{d.key}-date-{dt.value}"
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        dt.slug = slug
        holders = [r for r in d.resources if r.span.start <= dt.span.start and dt.span.end <= r.span.end]
        dt.about = holders[-1] if holders else d.resources[0]


__all__ = ["draft", "Draft", "commune_key", "slugify"]
