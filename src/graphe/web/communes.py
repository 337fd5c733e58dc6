"""The home page, the list of communes and a page per commune (its contract, figures, events)."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from starlette.responses import FileResponse

from graphe.errors import NotFound
from graphe.namespaces import ID_BASE
from graphe.web import chart, contract
from graphe.web.data import page_url, passage_url, select
from graphe.web.render import cached, page
from graphe.web.tables import Cell, Table, french_date, number
from graphe.web.templating import TEMPLATES_DIR

router = APIRouter()
FAVICON = TEMPLATES_DIR.parent / "static" / "favicon.svg"


@router.get("/favicon.ico", include_in_schema=False)
async def favicon():
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def communes_table(rows) -> Table:
    table = Table("communes", "Les quatre contrats de ville", ["Commune", "Code INSEE", "Objectifs", "Actions", "Partenaires"], numeric={2, 3, 4})
    for r in rows:
        table.add(Cell(r["nom"], page_url(r["commune"])), r["insee"], r["objectifs"], r["actions"], r["partenaires"])
    return table


@router.get("/")
@cached
async def home(request: Request):
    communes = await select(request, "communes")
    counts = {r["sorte"]: int(r["nombre"]) for r in await select(request, "comptes")}
    return page(request, "pages/accueil.html", {"communes": communes, "comptes": counts}, [communes_table(communes)])


@router.get("/communes")
@cached
async def communes(request: Request):
    rows = await select(request, "communes")
    quartiers = await select(request, "quartiers")
    return page(request, "pages/communes.html", {"communes": rows, "quartiers": quartiers}, [communes_table(rows)])


@router.get("/communes/{code}")
@cached
async def commune(request: Request, code: str):
    iri = f"{ID_BASE}commune/{code}"
    if not code.isdigit():
        raise NotFound(f"aucune commune « {code} » (les communes sont désignées par leur code INSEE).")
    about = await select(request, "commune", commune=iri)
    if not about:
        raise NotFound(f"aucune commune de code INSEE {code} dans les contrats de ville.")
    about = about[0]
    structure = await select(request, "commune-structure", commune=iri)
    links = await select(request, "commune-liens", commune=iri)
    tree = contract.build(about["contrat"], about["titre"], structure, links)
    figures = await select(request, "commune-chiffres", commune=iri)
    events = await select(request, "commune-evenements", commune=iri)
    quartiers = [q for q in await select(request, "quartiers") if q["commune"] == iri]

    tables, charts = figure_tables(figures, iri)
    partners = partners_table(links, structure, iri)
    quartier_table = Table("quartiers", "Quartiers", ["Quartier", "Quartier prioritaire (QPV)", "Éléments du contrat qui le ciblent"], numeric={2})
    for q in quartiers:
        quartier_table.add(Cell(q["libelle"], page_url(q["quartier"])), "oui" if q["qpv"] == "true" else "non", q["citations"])
    event_table = Table("evenements", "Événements datés", ["Date", "Événement"])
    timeline = []
    for e in events:
        when = french_date(e["date"])
        event_table.add(when, e["libelle"])
        timeline.append({"date": e["date"], "quand": when, "libelle": e["libelle"], "passage": passage_url(e.get("debut"), e.get("fin")), "ancre": e["evenement"]})
    context = {
        "commune": about, "contrat": tree, "passage": passage_url(about.get("debut"), about.get("fin")),  # type: ignore[attr-defined]
        "graphiques": charts, "chronologie": timeline, "roles": any(r.get("role") for r in links),
    }
    return page(request, "pages/commune.html", context, [partners, quartier_table, *tables, event_table])


def partners_table(links, structure, commune) -> Table:
    """Each partner of the contract, its kind, its role (when the model has one) and how often it is cited."""
    seen: dict[str, dict] = {}
    for r in links:
        if r["lien"] != "partenaire":
            continue
        entry = seen.setdefault(r["cible"], {"row": r, "where": set(), "roles": set()})
        entry["where"].add(r["element"])
        if r.get("role"):
            entry["roles"].add(r["role"])
    has_roles = any(e["roles"] for e in seen.values())
    columns = ["Partenaire", "Sorte", *(["Rôle"] if has_roles else []), "Éléments du contrat qui le citent"]
    table = Table("partenaires", "Partenaires cités dans ce contrat", columns, numeric={len(columns) - 1})
    for iri, e in sorted(seen.items(), key=lambda kv: (-len(kv[1]["where"]), kv[1]["row"]["libelle"].lower())):
        role = [", ".join(sorted(e["roles"]))] if has_roles else []
        table.add(Cell(e["row"]["libelle"], page_url(iri)), e["row"].get("sorte", "") or "Partenaire", *role, len(e["where"]))
    return table


def figure_tables(rows, commune) -> tuple[list[Table], list[chart.Chart]]:
    """One table of every figure; one bar chart per indicator the annex gives for several years."""
    table = Table("chiffres", "Les chiffres de l'annexe", ["Indicateur", "Zone", "Comparée à", "Année", "Valeur", "Unité", "Dans l'annexe"], numeric={4})
    series = defaultdict(list)
    seen = set()
    for r in rows:
        if r["observation"] in seen:
            continue
        seen.add(r["observation"])
        value = (r.get("qualificatif", "") + " " + number(r["valeur"])).strip()
        table.add(
            r["libelleIndicateur"], r.get("libelleZone", ""), r.get("libelleReference", ""), r.get("annee", ""),
            Cell(value, numeric=True), r.get("libelleUnite", ""),
            see_annex(r),
        )
        if r.get("annee"):
            series[(r["libelleIndicateur"], r.get("libelleZone", ""), r.get("libelleReference", ""), r.get("libelleUnite", ""))].append((r["annee"], float(r["valeur"]), value))
    charts = []
    for (indicator, zone, reference, unit), points in series.items():
        if len(points) < 2:
            continue
        title = f"{indicator} — {zone}" + (f" comparé à {reference}" if reference else "")
        charts.append(chart.bars(title, unit, sorted(points)))
    return [table], charts


def see_annex(row) -> Cell:
    """A "Voir dans l'annexe" cell; the CSV holds the passage's offsets in the annex."""
    href = passage_url(row.get("debut"), row.get("fin"))
    if not href:
        return Cell("")
    return Cell("Voir dans l'annexe", href, export=f"annexe 1, caractères {row['debut']}–{row['fin']}")
