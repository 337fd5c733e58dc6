"""The pages' routers, included in the app in one call (``graphe.api.app`` calls :func:`include`)."""

from __future__ import annotations

from graphe.web import annex, communes, entities, search_page


def include(app) -> None:
    app.include_router(communes.router)
    app.include_router(entities.router)
    app.include_router(annex.router)
    app.include_router(search_page.router)
