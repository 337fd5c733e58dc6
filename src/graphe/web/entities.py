"""Pages of partners, dispositifs, quartiers and themes, their lists, and the comparisons.

All of them read ``citations.rq``: which contract element cites what, in which commune. A
resource's page groups those elements by commune ("in which communes, through which
objectives and actions"); a list counts them; a comparison crosses them with the communes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from fastapi import APIRouter, Request

from graphe.errors import NotFound
from graphe.namespaces import ID_BASE
from graphe.web.data import page_url, passage_url, select
from graphe.web.markup import as_read
from graphe.web.render import cached, page
from graphe.web.tables import Cell, Table

router = APIRouter()


@dataclass(frozen=True)
class Kind:
    lien: str  # the value of ?lien in citations.rq
    path: str  # /partenaires
    singular: str
    plural: str
    namespaces: tuple[str, ...]  # the /id/ segments of its IRIs


KINDS = {
    "partenaires": Kind("partenaire", "/partenaires", "partenaire", "Partenaires", ("partenaire",)),
    "dispositifs": Kind("dispositif", "/dispositifs", "dispositif", "Dispositifs", ("dispositif",)),
    "themes": Kind("theme", "/themes", "thème", "Thèmes", ("theme",)),
    "quartiers": Kind("quartier", "/quartiers", "quartier", "Quartiers", ("qpv", "quartier")),
}
GENRES = {"contrat": "Contrat", "enjeu": "Enjeu transversal", "axe": "Axe", "objectif": "Objectif",
          "action": "Action", "evenement": "Événement"}


@dataclass
class Target:
    """One cited resource and the contract elements citing it, by commune."""

    iri: str
    label: str
    sort: str = ""
    communes: dict[str, str] = field(default_factory=dict)  # commune IRI → name
    elements: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # by commune IRI

    @property
    def url(self) -> str:
        return page_url(self.iri)

    def count(self, commune: str) -> int:
        return len(self.elements.get(commune, ()))


def gather(rows: list[dict]) -> dict[str, Target]:
    """Targets from citations.rq rows, each element once per (target, commune)."""
    targets: dict[str, Target] = {}
    seen = set()
    for r in rows:
        t = targets.get(r["cible"])
        if t is None:
            t = targets[r["cible"]] = Target(r["cible"], r["libelle"], r.get("sorte", ""))
        t.communes[r["commune"]] = r["nomCommune"]
        key = (r["cible"], r["commune"], r["element"])
        if key in seen:
            continue
        seen.add(key)
        t.elements[r["commune"]].append({
            "iri": r["element"], "genre": GENRES.get(r["genre"], r["genre"]), "libelle": r["libelleElement"],
            "url": page_url(r["element"], r["commune"]), "role": r.get("role", ""),
            "objectif": r.get("libelleObjectif", ""), "objectifUrl": page_url(r["objectif"], r["commune"]) if r.get("objectif") else "",
            "via": r.get("libelleVia", ""), "passage": passage_url(r.get("debut"), r.get("fin")),
            "mention": passage_url(r.get("debutMention"), r.get("finMention")),
        })
    return targets


async def communes_of(request) -> list[tuple[str, str]]:
    return [(r["commune"], r["nom"]) for r in await select(request, "communes")]


def matrix(kind: Kind, targets: list[Target], communes, sort_filter: str = "") -> Table:
    """The comparison: a row per target (most communes first), a column per commune, counts linking to the details."""
    columns = [kind.singular.capitalize(), *(["Sorte"] if kind.lien == "partenaire" else []), *[n for _, n in communes], "Communes"]
    offset = 2 if kind.lien == "partenaire" else 1
    table = Table("comparaison", f"{kind.plural} × communes", columns, numeric=set(range(offset, len(columns))))
    chosen = [t for t in targets if not sort_filter or (t.sort or "Partenaire") == sort_filter]
    chosen.sort(key=lambda t: (-len(t.communes), t.label.lower()))
    for t in chosen:
        cells = []
        for iri, _name in communes:
            n = t.count(iri)
            code = iri.rsplit("/", 1)[1]
            cells.append(Cell(str(n), f"{t.url}#commune-{code}", numeric=True) if n else Cell("", numeric=True))
        sort = [t.sort or "Partenaire"] if kind.lien == "partenaire" else []
        table.add(Cell(t.label, t.url), *sort, *cells, Cell(str(len(t.communes)), numeric=True))
    return table


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise NotFound(f"aucune comparaison « {name} » (comparaisons : {', '.join(KINDS)}).")
    return KINDS[name]


@router.get("/comparer")
@cached
async def comparisons(request: Request):
    return page(request, "pages/comparer.html", {"sortes": KINDS})


@router.get("/comparer/{name}")
@cached
async def compare(request: Request, name: str, sorte: str = ""):
    kind = kind_of(name)
    targets = list(gather(await select(request, "citations", lien=kind.lien)).values())
    sorts = sorted({t.sort or "Partenaire" for t in targets})
    if sorte and sorte not in sorts:
        sorte = ""
    communes = await communes_of(request)
    table = matrix(kind, targets, communes, sorte)
    context = {"sorte": kind, "nom": name, "filtres": sorts if kind.lien == "partenaire" else [], "filtre": sorte}
    return page(request, "pages/comparaison.html", context, [table])


async def listing(request: Request, name: str):
    kind = KINDS[name]
    targets = list(gather(await select(request, "citations", lien=kind.lien)).values())
    communes = await communes_of(request)
    table = matrix(kind, targets, communes)
    table.name, table.caption = "liste", f"{kind.plural} et les communes qui les citent"
    extra = await select(request, "quartiers") if kind.lien == "quartier" else []
    return page(request, "pages/liste.html", {"sorte": kind, "nom": name, "quartiers": extra}, [table])


async def resource(request: Request, name: str, iri: str):
    kind = KINDS[name]
    facts = await select(request, "fiche", ressource=iri)
    if not facts:
        raise NotFound(f"aucun {kind.singular} à l'adresse {request.url.path}.")
    fiche = defaultdict(list)
    for f in facts:
        value = {"texte": f.get("libelleValeur") or f["valeur"], "iri": f["valeur"]}
        if value not in fiche[f["cle"]]:
            fiche[f["cle"]].append(value)
    rows = await select(request, "citations", lien=kind.lien, cible=iri)
    target = gather(rows).get(iri)
    communes = await communes_of(request)
    table = Table("citations", "Où l'annexe le cite", ["Commune", "Élément du contrat", "Texte", "Objectif", "Dans l'annexe"])
    has_roles = any(r.get("role") for r in rows)
    if has_roles:
        table.columns.insert(2, "Rôle")
    groups = []
    if target:
        for commune, name_ in communes:
            elements = target.elements.get(commune)
            if not elements:
                continue
            groups.append({"commune": name_, "url": page_url(commune), "code": commune.rsplit("/", 1)[1], "elements": elements})
            for e in elements:
                href = e["mention"] or e["passage"]
                role = [e["role"]] if has_roles else []
                table.add(name_, e["genre"], *role, Cell(e["libelle"], e["url"]), e["objectif"],
                          Cell("Voir dans l'annexe", href, export=href or "") if href else "")
    names = sorted({as_read(v["texte"]) for v in (*fiche.get("nomAnnexe", []), *fiche.get("autreNom", []))})
    context = {
        "sorte": kind, "nom": name, "iri": iri, "fiche": fiche, "groupes": groups, "noms": names,
        "titre": (fiche.get("nom") or [{"texte": iri}])[0]["texte"], "roles": has_roles,
        "sources": [page_url(v["iri"]) if v["iri"].startswith(ID_BASE) else v["iri"] for v in fiche.get("source", [])],
    }
    return page(request, "pages/ressource.html", context, [table])


def _register(name: str) -> None:
    kind = KINDS[name]

    async def list_route(request: Request):
        return await listing(request, name)

    router.add_api_route(kind.path, cached(list_route), methods=["GET"], name=f"liste-{name}")
    if name == "quartiers":
        async def quartier_route(request: Request, espace: str, slug: str):
            if espace not in kind.namespaces:
                raise NotFound(f"aucun quartier à l'adresse {request.url.path}.")
            return await resource(request, name, f"{ID_BASE}{espace}/{slug}")

        router.add_api_route(kind.path + "/{espace}/{slug}", cached(quartier_route), methods=["GET"], name="quartier")
    else:
        async def resource_route(request: Request, slug: str):
            return await resource(request, name, f"{ID_BASE}{kind.namespaces[0]}/{slug}")

        router.add_api_route(kind.path + "/{slug}", cached(resource_route), methods=["GET"], name=kind.lien)


for _name in KINDS:
    _register(_name)
