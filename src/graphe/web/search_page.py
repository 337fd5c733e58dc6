"""``/recherche``: the search box of every page, answered from the index ``graphe build`` wrote."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup

from graphe import search
from graphe.errors import DataError
from graphe.web.data import page_url, passage_url
from graphe.web.markup import as_read
from graphe.web.render import cached, page

router = APIRouter()
MAX_QUERY = 200


@router.get("/recherche")
@cached
async def search_page(request: Request, q: str = ""):
    q = q.strip()[:MAX_QUERY]
    words = search.terms(q)
    groups = []
    if words:
        index = request.app.state.runtime.settings.dist / search.INDEX_FILE
        if not index.is_file():
            raise DataError("index de recherche absent : lancer « graphe build ».")
        for group in search.search(index, q):
            hits = []
            for h in group["hits"]:
                passage = passage_url(h.get("debut"), h.get("fin"))
                url = passage if group["kind"] == "chiffre" and passage else page_url(h["iri"], h.get("commune") or None)
                other_names = [n for n in dict.fromkeys(map(as_read, h.get("noms", "").split(" | "))) if n and n != h["libelle"]]
                hits.append({
                    "titre": Markup(search.highlight(h["libelle"], words)),
                    "url": url, "passage": passage,
                    "noms": Markup(search.highlight(" · ".join(other_names), words)) if other_names else "",
                    "extrait": Markup(search.snippet(h["textes"], words)) if h.get("textes") else "",
                    "sorte": h.get("sortes", "").split(" | ")[0],
                })
            groups.append({**group, "hits": hits})
    total = sum(g["total"] for g in groups)
    return page(request, "pages/recherche.html", {"q": q, "groupes": groups, "total": total, "mots": words})
