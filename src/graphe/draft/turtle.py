"""Writing a draft as Turtle in the project's own model (docs/modelling.md), every statement a draft.

Written as text, not through a serializer, so that the file reads like the curated ones — one
block per resource in annex order, comments saying what to check — and so that the review page
can point at the exact lines a curator edits to accept a resource.
"""

from __future__ import annotations

import re

from graphe.draft.model import Draft, Resource, Span
from graphe.namespaces import curie, prefixes

KIND_CLASS = {"contrat": "cdv:ContratDeVille", "enjeu": "cdv:EnjeuTransversal", "axe": "cdv:Axe",
              "objectif": "cdv:Objectif", "action": "cdv:Action"}
KIND_PREFIX = {"contrat": "contrat", "enjeu": "enjeu", "axe": "axe", "objectif": "objectif", "action": "action"}
LINK = {"partenaire": "cdv:partenaire", "dispositif": "cdv:dispositif", "quartier": "cdv:quartierCible",
        "projet": "cdv:projet", "instance": "cdv:instance"}
PARENT = {"enjeu": "cdv:contrat", "axe": "cdv:contrat", "action": "cdv:objectif"}
UNIT = {"pourcent": "unite:pourcent", "euro": "unite:euro", "point-de-pourcentage": "unite:point-de-pourcentage",
        "heure": "unite:heure", "nombre": "unite:nombre"}
DRAFT = "    cdv:brouillon true ;  # retirer cette ligne pour accepter"
USED = ["cdv", "contrat", "enjeu", "axe", "objectif", "action", "partenaire", "dispositif", "qpv", "quartier",
        "projet", "instance",
        "theme", "role", "commune", "territoire", "observation", "evenement", "unite", "document", "rdfs", "xsd",
        "dcterms", "oa", "prov"]


def string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{out}"'


def label(text: str) -> str:
    """A label from annex text: without Markdown emphasis, tags and the closing full stop."""
    text = re.sub(r"<[^>]+>", "", text).replace("**", "").replace("*", "")
    return re.sub(r"\s+", " ", text).strip().rstrip(" .;:")


def iri(value: str) -> str:
    return curie(value) or f"<{value}>"


def name(r: Resource) -> str:
    return f"{KIND_PREFIX[r.kind]}:{r.slug}"


def passage(d: Draft, span: Span, indent: str = "    ") -> str:
    return (
        f"[ a oa:SpecificResource ; oa:hasSource {iri(d.document)} ;\n"
        f"{indent}  oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {string(span.quote(d.source))} ] ,\n"
        f"{indent}    [ a oa:TextPositionSelector ; oa:start {span.start} ; oa:end {span.end} ] ]"
    )


def resource(d: Draft, r: Resource) -> list[str]:
    lines = [f"{name(r)} a {KIND_CLASS[r.kind]}{', cdv:AxePrioritaire' if r.axe_prioritaire else ''} ;", DRAFT]
    if r.kind == "contrat":
        lines.append(f'    rdfs:label {string("Contrat de ville de " + d.commune_label)}@fr ;')
        lines.append(f"    cdv:porteSur {iri(d.commune)} ;")
        lines.append("    cdv:territoire territoire:paris-est-marne-et-bois ;  # à vérifier")
    elif r.kind == "axe":  # "Axe 1 - La santé des habitants" is labelled "La santé des habitants"
        title = re.sub(r"^axe\s*(?:n\s*°)?\s*\d+\s*[-–:.]\s*", "", label(r.title.quote(d.source)), flags=re.I)
        lines.append(f"    rdfs:label {string(title[:1].upper() + title[1:])}@fr ;")
    else:
        lines.append(f"    rdfs:label {string(label(r.title.quote(d.source)))}@fr ;")
    if r.kind == "objectif":
        axis = r.parent
        while axis.kind != "axe":
            axis = axis.parent
        lines.append(f"    cdv:axe {name(axis)} ;")
        if axis is not r.parent:
            lines.append(f"    cdv:objectifParent {name(r.parent)} ;")
    elif r.kind in PARENT:
        lines.append(f"    {PARENT[r.kind]} {name(r.parent)} ;")
    if r.kind in ("enjeu", "axe", "objectif", "action"):
        lines.append(f"    cdv:rang {r.rank} ;")
    if r.numero:
        lines.append(f'    cdv:numero "{r.numero}" ;')
    for t in r.themes:
        lines.append(f"    cdv:theme {iri(t)} ;  # thème deviné d'après le titre : à vérifier")
    if r.description:
        lines.append(f"    dcterms:description {string(label(r.description.quote(d.source)))}@fr ;")
    for m in r.mentions:
        lines.append(f"    {LINK[m.kind]} {iri(m.body)} ;")
    tail = " ;" if r.mentions else " ."
    lines.append("    cdv:passage " + passage(d, r.span, "    ") + tail)
    roles = [m for m in r.mentions if m.role]
    for i, m in enumerate(r.mentions):
        end = (" ;" if roles else " .") if i == len(r.mentions) - 1 else " ,"
        head = "    cdv:mention " if i == 0 else "      "
        lines.append(
            f"{head}[ a cdv:Mention ; oa:motivatedBy oa:identifying ;\n"
            f"        cdv:brouillon true ;\n"
            f"        oa:hasBody {iri(m.body)} ;\n"
            f"        oa:hasTarget {passage(d, m.span, '        ')} ]{end}"
        )
    for i, m in enumerate(roles):
        end = " ." if i == len(roles) - 1 else " ,"
        head = "    cdv:participation " if i == 0 else "      "
        guess = "  # rôle deviné : à vérifier" if m.role != "partenaire" else ""
        lines.append(
            f"{head}[ a cdv:Participation ;\n"
            f"        cdv:brouillon true ;\n"
            f"        prov:agent {iri(m.body)} ;\n"
            f"        prov:hadRole role:{m.role} ;{guess}\n"
            f"        cdv:passage {passage(d, m.role_span, '        ')} ]{end}"
        )
    return lines


def write(d: Draft) -> tuple[str, dict[str, tuple[int, int]]]:
    """The Turtle text, and for each drafted resource its first and last line (1-based)."""
    out: list[str] = [
        f"# BROUILLON produit par `graphe draft` — {d.commune_label}, d'après {d.source_path}.",
        "# Rien ici n'est publié : chaque énoncé porte « cdv:brouillon true » et `graphe build` refuse de",
        "# publier tant qu'un curateur ne l'a pas acceptée. Accepter = relire la ressource contre son passage,",
        "# corriger (libellé, thème, liens), retirer « cdv:brouillon » de ses types et de ses mentions,",
        "# puis déplacer le bloc dans data/ttl/. Positions 0-based en points de code, fin exclue.",
        "",
    ]
    lines: dict[str, tuple[int, int]] = {}
    head = len(out)

    def block(key: str, text: list[str]) -> None:
        first = len(out) + 1
        for t in text:
            out.extend(t.split("\n"))
        lines[key] = (first, len(out))
        out.append("")

    for r in d.resources:
        if r.kind == "axe":
            out.append(f"# Axe {r.rank} — {label(r.title.quote(d.source))}")
        block(name(r), resource(d, r))
    if d.figures:
        out.append("# Chiffres candidats (cdv:ChiffreCandidat) : à transformer en cdv:Observation avec un indicateur.")
    for f in d.figures:
        text = [f"observation:{f.slug} a cdv:ChiffreCandidat ;", DRAFT,
                f"    rdfs:label {string(label(f.span.quote(d.source)))}@fr ;",
                f'    cdv:valeur "{f.value}"^^xsd:decimal ;',
                f"    cdv:unite {UNIT[f.unit]} ;",
                f"    cdv:zone {iri(d.commune)} ;"]
        if f.year:
            text.append(f'    cdv:annee "{f.year}"^^xsd:gYear ;')
        if f.qualifier:
            text.append(f"    cdv:qualificatif {string(f.qualifier)}@fr ;")
        text.append("    cdv:passage " + passage(d, f.span) + " .")
        block(f"observation:{f.slug}", text)
    if d.dates:
        out.append("# Dates candidates : événements à confirmer (cdv:Evenement).")
    for dt in d.dates:
        text = [f"evenement:{dt.slug} a cdv:Evenement ;", DRAFT,
                f"    rdfs:label {string(label(dt.span.quote(d.source)))}@fr ;",
                f'    dcterms:date "{dt.value}"^^xsd:{dt.datatype} ;',
                f"    cdv:concerne {name(dt.about)} ;",
                "    cdv:passage " + passage(d, dt.span) + " ."]
        block(f"evenement:{dt.slug}", text)
    if d.candidates:
        out.append("# Organisations candidates : inconnues du graphe, jamais liées. Pour en accepter une, créer la")
        out.append("# ressource dans data/ttl/partenaires.ttl et ajouter le lien et sa mention à la ressource qui la cite.")
    for c in d.candidates:
        text = [f"partenaire:{c.slug} a cdv:OrganisationCandidate ;", DRAFT,
                f"    rdfs:label {string(label(c.name))}@fr ;",
                f"    cdv:raisonCandidat {string(c.reason)}@fr ;",
                "    cdv:passage " + passage(d, c.span) + " ."]
        block(f"partenaire:{c.slug}", text)
    body = "\n".join(out[head:])
    table = prefixes()
    used = [f"@prefix {p}: <{table[p]}> ." for p in USED if re.search(rf"(?<![\w:/]){p}:", body)] + [""]
    lines = {k: (a + len(used), b + len(used)) for k, (a, b) in lines.items()}
    return "\n".join(out[:head] + used + out[head:]).rstrip("\n") + "\n", lines
