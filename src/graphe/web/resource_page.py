"""The page of any resource (``/id/…`` for a browser), in the site's design.

Properties under their French names (the ontology's, or ``proprietes.json`` for the reused
vocabularies), grouped as identity, structure, links and sources; what points to the
resource; its passage in the annex once, with the names it mentions. No prefixed names, no
language tags or datatypes, no technical (skolem) nodes. Linked-data clients are answered by
:mod:`graphe.api.resources` with the formats they ask for; this is only the HTML.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from graphe.errors import NotFound
from graphe.namespaces import curie
from graphe.web.data import page_url, passage_url, select
from graphe.web.render import lookup, page
from graphe.web.tables import Cell, Table
from graphe.web.templating import TEMPLATES_DIR

GROUPS = [("identite", "Identité"), ("structure", "Place dans le contrat"), ("liens", "Liens"), ("sources", "Sources")]


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, list]:
    data = json.loads((Path(__file__).with_name("proprietes.json")).read_text(encoding="utf-8"))
    data.pop("_", None)
    return data


@lru_cache(maxsize=1)
def documentation_names() -> dict[str, str]:
    """The French names the ontology's documentation page gives external terms (its vocabulary file)."""
    from rdflib import Graph
    from rdflib.namespace import RDFS

    path = TEMPLATES_DIR / "ontologie-libelles.ttl"
    if not path.is_file():
        return {}
    g = Graph().parse(path, format="turtle")
    return {str(s): str(o) for s, o in g.subject_objects(RDFS.label) if getattr(o, "language", None) == "fr"}


def french_name(iri: str) -> str:
    """A term's French name: this page's wording, else the documentation's, else its last segment."""
    return vocabulary().get(curie(iri) or "", [None])[0] or documentation_names().get(iri) or local_name(iri)


def property_name(iri: str, ontology_name: str | None) -> tuple[str, str | None]:
    """(French name, group or None) of a property."""
    known = vocabulary().get(curie(iri) or "", [None, None])
    return ontology_name or known[0] or french_name(iri), known[1]


def local_name(iri: str) -> str:
    """The last segment of an IRI, never a prefixed name (for terms the pages have no French name for)."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def shown_value(row: dict) -> dict:
    value = row["valeur"]
    if row.get("estIri") == "true":
        text = row.get("nomValeur") or french_name(value)
        return {"texte": text, "url": page_url(value)}
    return {"texte": value, "url": None}


async def html(request, iri: str):
    hit = lookup(request)
    if hit is not None:
        return hit
    properties = await select(request, "ressource-proprietes", ressource=iri)
    incoming = await select(request, "ressource-entrants", ressource=iri)
    if not properties and not incoming:
        raise NotFound(f"aucune ressource {iri} dans le graphe.")
    groups: dict[str, dict[str, list]] = {key: {} for key, _ in GROUPS}
    title = None
    kinds = []
    outgoing_targets = set()
    for r in properties:
        name, group = property_name(r["propriete"], r.get("nomPropriete"))
        value = shown_value(r)
        if r["propriete"].endswith("#label") and title is None:
            title = value["texte"]
        if r["propriete"].endswith("22-rdf-syntax-ns#type"):
            if value["texte"] not in [k["texte"] for k in kinds]:
                kinds.append(value)
            continue
        if r.get("estIri") == "true":
            outgoing_targets.add(r["valeur"])
        group = group or ("liens" if r.get("estIri") == "true" else "identite")
        bucket = groups[group].setdefault(name, [])
        if value not in bucket:
            bucket.append(value)
    cited_by = {}
    for r in incoming:
        if r["source"] in outgoing_targets:
            continue  # already shown through the inverse property
        name, _ = property_name(r["propriete"], r.get("nomPropriete"))
        bucket = cited_by.setdefault(name, [])
        entry = {"texte": r.get("nomSource") or local_name(r["source"]), "url": page_url(r["source"])}
        if entry not in bucket:
            bucket.append(entry)
    passages = await select(request, "ressource-passages", ressource=iri)
    own, named = [], []
    seen = set()
    for p in passages:
        key = (p["sorte"], p["debut"], p["fin"], p.get("corps"), p.get("cite"))
        if key in seen:
            continue
        seen.add(key)
        entry = {"citation": p["citation"], "debut": p["debut"], "fin": p["fin"], "url": passage_url(p["debut"], p["fin"]),
                 "corps": p.get("nomCorps"), "corpsUrl": page_url(p["corps"]) if p.get("corps") else None,
                 "cite": p.get("nomCite"), "citeUrl": page_url(p["cite"]) if p.get("cite") else None}
        (own if p["sorte"] in ("passage", "mention") else named).append((p["sorte"], entry))
    table = Table("proprietes", "Propriétés", ["Groupe", "Propriété", "Valeur"])
    for key, heading in GROUPS:
        for name, values in groups[key].items():
            for v in values:
                table.add(heading, name, Cell(v["texte"], v["url"]))
    staff = page_url(iri)
    context = {
        "titre": title or local_name(iri), "iri": iri, "sortes": kinds, "groupes": GROUPS, "proprietes": groups,
        "entrants": cited_by, "passage": [e for s, e in own if s == "passage"], "mentions": [e for s, e in own if s == "mention"],
        "nomme": [e for _, e in named], "page": staff if not staff.startswith("/id/") else None,
        "formats": [("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples"), ("rdfxml", "RDF/XML")],
    }
    return page(request, "pages/id.html", context, [table])
