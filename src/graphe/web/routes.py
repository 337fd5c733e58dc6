"""The pages' routers, included in the app in one call (``graphe.api.app`` calls :func:`include`)."""

from __future__ import annotations

from graphe.web import annex, communes, entities


def include(app) -> None:
    app.include_router(communes.router)
    app.include_router(entities.router)
    app.include_router(annex.router)
