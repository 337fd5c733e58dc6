"""The review page of a draft: the annex with what `graphe draft` read in it, for a curator.

Read-only by construction (GET only): the draft is recomputed from the annex and the graph's
files on each request, and accepting is editing the Turtle file, which the page points to line
by line. The page names the commune by its slug (``/brouillon/fontenay-sous-bois``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from graphe import paths
from graphe.draft import draft, slugify, turtle
from graphe.draft.model import Draft, Span
from graphe.errors import DataError, NotFound

router = APIRouter()
PAGE = Template((Path(__file__).resolve().parents[1] / "templates" / "brouillon.html").read_text(encoding="utf-8"))
KIND = {"contrat": "contrat", "enjeu": "enjeu", "axe": "axe", "objectif": "objectif", "action": "action"}


@router.get("/brouillon/{commune}", response_class=HTMLResponse)
def review(commune: str, source: str | None = None) -> HTMLResponse:
    """``source``: the file name of another annex of ``data/source/`` (never a path elsewhere)."""
    annex = paths.SOURCE
    if source is not None:
        annex = paths.SOURCE.parent / Path(source).name
        if annex.suffix != ".md" or not annex.is_file():
            raise NotFound(f"annexe introuvable dans data/source/ : « {Path(source).name} »")
    try:
        d = draft(annex, commune.replace("-", " "))
    except DataError as exc:
        raise NotFound(str(exc)) from None
    return HTMLResponse(render(d))


def render(d: Draft) -> str:
    text, lines = turtle.write(d)
    items = []
    for r in d.resources:
        key = f"{r.kind}:{r.slug}"
        first, last = lines[key]
        links = ", ".join(escape(m.body.rsplit("/", 1)[-1]) for m in r.mentions) or "aucun"
        items.append(
            f'<div class="ressource" id="{escape(key)}"><p><mark class="{r.kind}">{escape(r.kind)}</mark> '
            f"<code>{escape(key)}</code> — lignes {first} à {last} du brouillon ; liens : {links}</p>"
            f"<blockquote>{escape(r.span.quote(d.source))}</blockquote></div>"
        )
    unread = "".join(f"<li>[{s.start}–{s.end}] {escape(s.quote(d.source))}</li>" for s in d.unread)
    cands = "".join(
        f"<li>« {escape(c.name)} » ({escape(c.reason)}) — lignes {lines[f'partenaire:{c.slug}'][0]} à "
        f"{lines[f'partenaire:{c.slug}'][1]}</li>" for c in d.candidates
    )
    return PAGE.substitute(
        commune=escape(d.commune_label), source=escape(d.source_path), ressources="\n".join(items),
        n_non_compris=len(d.unread), non_compris=f"<ul>{unread}</ul>" if unread else "<p>Aucun.</p>",
        n_candidats=len(d.candidates), candidats=f"<ul>{cands}</ul>" if cands else "<p>Aucune.</p>",
        annexe=highlight(d),
    )


def highlight(d: Draft) -> str:
    """The commune's section with nested <mark>s: resources, then links, candidates and figures."""
    marks: list[tuple[Span, str]] = [(r.span, KIND[r.kind]) for r in d.resources]
    marks += [(m.span, "lien") for r in d.resources for m in r.mentions]
    marks += [(c.span, "candidat") for c in d.candidates]
    marks += [(f.number, "chiffre") for f in d.figures] + [(x.at, "date") for x in d.dates]
    events = []
    for span, cls in marks:
        events.append((span.start, 1, -(span.end - span.start), f'<mark class="{cls}">'))
        events.append((span.end, 0, span.end - span.start, "</mark>"))
    events.sort()
    out, pos, depth = [], d.section.start, 0
    for at, opening, _, tag in events:
        out.append(escape(d.source[pos:at]))
        pos = at
        out.append(tag)
    out.append(escape(d.source[pos : d.section.end]))
    del depth
    return "".join(out)


__all__ = ["router", "render", "slugify"]
