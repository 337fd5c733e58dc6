"""Answer a page: its template, or one of its tables as CSV when ``?csv=NAME`` asks for it."""

from __future__ import annotations

from starlette.responses import Response

from graphe.errors import NotFound
from graphe.web.tables import Table
from graphe.web.templating import templates

CACHE = "public, max-age=300"


def page(request, template: str, context: dict, tables: list[Table] = (), status: int = 200) -> Response:
    wanted = request.query_params.get("csv")
    if wanted is not None:
        for table in tables:
            if table.name == wanted:
                filename = f"{request.url.path.strip('/').replace('/', '-') or 'accueil'}-{table.name}.csv"
                return Response(
                    table.csv().encode("utf-8"),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": CACHE},
                )
        names = ", ".join(t.name for t in tables) or "aucun"
        raise NotFound(f"pas de tableau « {wanted} » sur cette page (tableaux : {names}).")
    context = {**context, "tables": {t.name: t for t in tables}}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.setdefault("Cache-Control", CACHE)
    return response
