"""Errors for a browser: the French page in the site's layout, with the search box.

A client that asks for HTML (a browser sends ``Accept: text/html``) gets this page; every
other client keeps the short text or JSON error of :mod:`graphe.api.http`.
"""

from __future__ import annotations

from graphe import formats
from graphe.negotiation import negotiated
from graphe.web.templating import templates

TITLES = {400: "Demande invalide", 404: "Page introuvable", 405: "Méthode non permise", 406: "Format non disponible",
          413: "Demande trop longue", 414: "Adresse trop longue", 500: "Erreur du serveur", 503: "Service occupé",
          504: "Délai dépassé"}


def html_error(request, status: int, message: str, headers: dict | None = None, choices: list | None = None):
    """The error page, or None when the client did not ask for HTML."""
    if negotiated(request).error is not formats.HTML:
        return None
    context = {"status": status, "titre": TITLES.get(status, "Erreur"), "message": message, "choix": choices or []}
    response = templates().TemplateResponse(request, "pages/erreur.html", context, status_code=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
