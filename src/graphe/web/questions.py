"""The named questions (``/queries``) for a person: French headings, names instead of IRIs,
parameters chosen from lists of names, and a French page listing the valid values when a
parameter is wrong. The JSON, CSV, TSV and XML answers for programs are not touched.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from graphe import paging, precomputed, queries
from graphe.errors import BadRequest
from graphe.namespaces import curie
from graphe.search import fold
from graphe.web.data import page_url, select
from graphe.web.render import lookup, page
from graphe.web.resource_page import local_name
from graphe.web.tables import Cell, Table, french_date, number

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "positiveInteger", "nonNegativeInteger")}
#: The parameters a person picks from a list: the kind of resource each one names.
CHOICE_KINDS = {"commune": "commune", "partenaire": "partenaire", "dispositif": "dispositif", "theme": "theme", "quartier": "quartier"}


async def labels(request) -> dict[str, dict]:
    """Every named resource: IRI → {libelle, genre}."""
    found: dict[str, dict] = {}
    for r in await select(request, "libelles"):
        entry = found.setdefault(r["ressource"], {"libelle": r["libelle"], "genre": ""})
        entry["genre"] = entry["genre"] or r.get("genre", "")
    return found


def choices_for(param: queries.Param, names: dict[str, dict]) -> list[dict]:
    kind = CHOICE_KINDS.get(param.name)
    if param.type != "iri" or kind is None:
        return []
    found = [{"iri": iri, "valeur": curie(iri) or iri, "texte": e["libelle"]} for iri, e in names.items() if e["genre"] == kind]
    return sorted(found, key=lambda c: fold(c["texte"]))


async def resolve(request, query: queries.NamedQuery, values: dict[str, str]) -> dict[str, str]:
    """Values as given, names of resources replaced by their IRI; a wrong name lists the right ones."""
    names = None
    resolved = dict(values)
    for p in query.params:
        given = values.get(p.name)
        if p.type != "iri" or not given or p.name not in CHOICE_KINDS:
            continue
        try:
            queries.expand_iri(given, p.name)
            continue  # an IRI: bound as given (an unknown one simply matches nothing)
        except BadRequest as exc:
            invalid = str(exc)
        # only for a name: the choices are every resource of the kind, sorted (at 100×, 40–170 ms a call)
        names = names if names is not None else await labels(request)
        options = choices_for(p, names)
        wanted = fold(given).strip()
        match = next((o for o in options if fold(o["texte"]) == wanted), None)
        if match is not None:
            resolved[p.name] = match["valeur"]
            continue
        error = BadRequest(f"{invalid.rstrip('.')} : ce n'est pas non plus le nom d'une des {len(options)} valeurs possibles.")
        error.choices = [  # type: ignore[attr-defined]
            {"texte": o["texte"], "url": f"/queries/{query.name}?" + urlencode({**values, p.name: o["valeur"]})} for o in options
        ]
        raise error
    return resolved


async def list_page(request, catalogue: dict[str, queries.NamedQuery]):
    entries = [{"nom": q.name, "titre": q.summary or q.name, "description": q.description, "tags": q.tags} for q in catalogue.values()]
    return page(request, "pages/questions.html", {"questions": entries})


async def answer_page(request, query: queries.NamedQuery, values: dict[str, str], checked, shown: int | None = None):
    """The answer of a named question as a French table (``shown``: the page of it shown, see
    graphe.paging; None: the whole answer)."""
    hit = lookup(request)
    if hit is not None:
        return hit
    rt = request.app.state.runtime
    result = await precomputed.run(rt, checked, "json", rt.settings.timeout, rt.settings.row_limit)
    document = json.loads(result.body)
    names = await labels(request)
    table = french_table(query, document, names)
    fields = []
    for p in query.params:
        current = values.get(p.name, p.default or "")
        options = choices_for(p, names)
        current_iri = None
        if current:
            try:
                current_iri = queries.expand_iri(current, p.name) if p.type == "iri" else None
            except BadRequest:
                current_iri = None
        fields.append({
            "nom": p.name, "libelle": p.label, "valeur": current, "choix": options, "iri": current_iri,
            "type": {"integer": "number", "date": "date"}.get(p.type, "text"),
        })
    raw = {k: v for k, v in values.items() if v}
    if shown is not None:  # the raw data: the whole answer, not the page shown
        raw["page"] = paging.ALL
    following = None
    if shown is not None and len(table.rows) >= rt.settings.page_size:
        following = paging.next_link(request.url.path, list(request.query_params.multi_items()), shown)
    context = {
        "question": query, "champs": fields, "lignes": len(table.rows), "tronque": result.truncated,
        "page": shown, "suivante": following,
        "limite": rt.settings.row_limit, "brut": [(label, "?" + urlencode({**raw, "format": f})) for f, label in
                                                 (("csv", "CSV"), ("json", "JSON"), ("tsv", "TSV"), ("xml", "XML"))],
        "sparql": "/sparql?" + urlencode({"query": query.bind(values)}),
    }
    return page(request, "pages/question.html", context, [table])


def french_table(query: queries.NamedQuery, document: dict, names: dict[str, dict]) -> Table:
    """Headings from the query's header; a resource shown by its name, linked to its page.

    When a column only repeats the names of the resources of another column, the two are
    shown as one: the name, linking to the resource.
    """
    variables = document["head"]["vars"]
    bindings = document["results"]["bindings"]
    headings = dict(query.columns)
    merged: dict[str, str] = {}  # label column → IRI column
    for iri_var in variables:
        values = [b[iri_var] for b in bindings if iri_var in b]
        if not values or any(v["type"] != "uri" for v in values):
            continue
        for label_var in variables:
            if label_var == iri_var or label_var in merged:
                continue
            if all(
                b.get(label_var, {}).get("value") == names.get(b[iri_var]["value"], {}).get("libelle")
                for b in bindings if iri_var in b
            ):
                merged[label_var] = iri_var
                break
    hidden = set(merged.values())
    shown = [v for v in variables if v not in hidden]
    def heading(v: str) -> str:  # a merged column is named after the resources it shows
        return headings.get(merged.get(v, v)) or headings.get(v) or humanise(v)

    table = Table("reponse", query.summary or query.name, [heading(v) for v in shown])
    for b in bindings:
        cells = []
        for v in shown:
            if v in merged and merged[v] in b:
                cells.append(Cell(b[v]["value"], page_url(b[merged[v]]["value"])))
            else:
                cells.append(cell(b.get(v), names))
        table.rows.append(cells)
    return table


def cell(term: dict | None, names: dict[str, dict]) -> Cell:
    if term is None:
        return Cell("")
    value = term["value"]
    if term["type"] == "uri":
        label = names.get(value, {}).get("libelle") or local_name(value)
        return Cell(label, page_url(value))
    datatype = term.get("datatype", "")
    if datatype in NUMBERS:
        return Cell(number(value), numeric=True, export=value)
    if datatype == XSD + "boolean":
        return Cell("oui" if value == "true" else "non")
    if datatype == XSD + "date":
        return Cell(french_date(value), export=value)
    return Cell(value)


def humanise(variable: str) -> str:
    """A heading for a variable the header does not name: ``nbCommunes`` → ``Nb communes``.

    >>> humanise("nbCommunes")
    'Nb communes'
    """
    words, current = [], ""
    for ch in variable:
        if ch.isupper() and current:
            words.append(current)
            current = ch.lower()
        else:
            current += ch
    words.append(current)
    text = " ".join(words)
    return text[:1].upper() + text[1:]
