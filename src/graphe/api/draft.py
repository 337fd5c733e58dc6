"""The review page of a draft: the annex with what `graphe draft` read in it, for a curator.

Read-only by construction (GET only): the draft is recomputed from the annex and the graph's
files on each request, and accepting is editing the Turtle file, which the page points to line
by line. The page names the commune by its slug (``/brouillon/fontenay-sous-bois``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from graphe.errors import DataError, NotFound

if TYPE_CHECKING:  # the drafting code is loaded by the first review, not by the server's start
    from graphe.draft.model import Draft

router = APIRouter()
KIND = {"contrat": "contrat", "enjeu": "enjeu", "axe": "axe", "objectif": "objectif", "action": "action"}


def _templates():
    """The site's one Jinja2 environment (its base.html, its globals)."""
    from graphe.web.templating import templates

    return templates()


@router.get("/brouillon/{commune}", response_class=HTMLResponse)
def review(request: Request, commune: str, source: str | None = None) -> HTMLResponse:
    """``source``: the file name of another annex of ``data/source/`` (never a path elsewhere)."""
    from graphe.draft import annex_for, draft

    project = request.app.state.runtime.settings.project
    try:
        if source is None:
            annex = annex_for(commune, project)
        else:
            annex = project.sources / Path(source).name
            if annex.suffix != ".md" or not annex.is_file():
                raise NotFound(f"annexe introuvable dans data/source/ : « {Path(source).name} »")
        d = draft(annex, commune.replace("-", " "))
    except DataError as exc:
        raise NotFound(str(exc)) from None
    return _templates().TemplateResponse(request, "brouillon.html", context(d))


def context(d: Draft) -> dict:
    from markupsafe import Markup

    from graphe.draft import turtle

    _, lines = turtle.write(d)
    ressources = []
    for r in d.resources:
        key = f"{r.kind}:{r.slug}"
        ressources.append({"cle": key, "genre": r.kind, "premiere": lines[key][0], "derniere": lines[key][1],
                           "liens": [m.body.rsplit("/", 1)[-1] for m in r.mentions], "citation": r.span.quote(d.source)})
    candidats = [{"nom": c.name, "raison": c.reason, "premiere": lines[f"partenaire:{c.slug}"][0],
                  "derniere": lines[f"partenaire:{c.slug}"][1]} for c in d.candidates]
    return {
        "commune": d.commune_label, "source": d.source_path, "ressources": ressources, "candidats": candidats,
        "non_compris": [{"debut": s.start, "fin": s.end, "texte": s.quote(d.source)} for s in d.unread],
        "annexe": Markup(highlight(d)),
    }


def highlight(d: Draft) -> str:
    """The commune's section with nested <mark>s: resources, then links, candidates and figures.

    Each resource's mark carries the id its card links to; a mark that would cross the one it
    opens in is cut at that one's end, so the HTML stays well formed whatever the spans.
    """
    marks = [(r.span.start, r.span.end, r.kind, f"{r.kind}:{r.slug}") for r in d.resources]
    marks += [(m.span.start, m.span.end, "lien", m.body.rsplit("/", 1)[-1]) for r in d.resources for m in r.mentions]
    marks += [(c.span.start, c.span.end, "candidat", c.name) for c in d.candidates]
    marks += [(f.number.start, f.number.end, "chiffre", f.slug) for f in d.figures]
    marks += [(x.at.start, x.at.end, "date", x.slug) for x in d.dates]
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    out, pos, open_ends = [], d.section.start, []

    def close_until(at: int) -> None:
        nonlocal pos
        while open_ends and open_ends[-1] <= at:
            end = open_ends.pop()
            out.append(escape(d.source[pos:end]) + "</mark>")
            pos = end

    for start, end, kind, key in marks:
        close_until(start)
        if open_ends:
            end = min(end, open_ends[-1])
        if end <= start:
            continue
        out.append(escape(d.source[pos:start]))
        pos = start
        anchor = f' id="texte-{escape(key)}"' if kind in KIND else ""
        out.append(f'<mark class="{kind}"{anchor} title="{escape(key)}">')
        open_ends.append(end)
    close_until(d.section.end)
    out.append(escape(d.source[pos : d.section.end]))
    return "".join(out)


__all__ = ["router", "context"]
