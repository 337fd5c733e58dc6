"""The data behind the pages: the ``.rq`` files of ``queries/pages/``, run like any query.

Each page asks for one or more of these queries through :func:`select`, which binds the
parameters (:meth:`graphe.queries.NamedQuery.bind`), passes the guard and runs in the worker
pool, then returns plain rows (dicts of strings). The dataset does not change while a server
runs, so answers are kept per app (``app.state.page_answers``) for the dataset's version:
the second visit of a page costs no query.

The files live in ``queries/pages/`` so that ``/queries`` (``queries/*.rq``) does not list
them as named questions: they answer a page, not a person.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from graphe import queries
from graphe.namespaces import ID_BASE, local_href

_MAX_ANSWERS = 2048


@lru_cache(maxsize=64)
def page_query(queries_dir: Path, name: str) -> queries.NamedQuery:
    """``queries_dir/pages/{name}.rq``: the served project's page queries."""
    return queries.NamedQuery.from_file(queries_dir / "pages" / f"{name}.rq")


async def select(request, name: str, **params: str) -> list[dict[str, str]]:
    """The rows of ``queries/pages/{name}.rq`` with ``params`` bound (unbound variables absent)."""
    app = request.app
    rt = app.state.runtime
    answers = getattr(app.state, "page_answers", None)
    if answers is None or answers.get("version") != rt.version:
        answers = app.state.page_answers = {"version": rt.version}
    key = (name, tuple(sorted(params.items())))
    if key in answers:
        return answers[key]
    text = page_query(rt.settings.queries_dir, name).bind(params)
    checked = await rt.check(text)
    result = await rt.executor.run(checked, format="json", timeout=rt.settings.timeout, row_limit=None)
    document = json.loads(result.body)
    rows = [{k: v["value"] for k, v in b.items()} for b in document["results"]["bindings"]]
    if len(answers) < _MAX_ANSWERS:
        answers[key] = rows
    return rows


def local(iri: str) -> str:
    """The path of one of our IRIs under ``/id/`` (``commune/94017``)."""
    return iri[len(ID_BASE):] if iri.startswith(ID_BASE) else iri


#: Which staff page shows a resource, by the first segment of its ``/id/`` path.
_PAGES = {
    "commune": "/communes/{slug}",
    "partenaire": "/partenaires/{slug}",
    "dispositif": "/dispositifs/{slug}",
    "theme": "/themes/{slug}",
    "qpv": "/quartiers/qpv/{slug}",
    "quartier": "/quartiers/quartier/{slug}",
}
#: Resources shown inside their commune's page, at an anchor.
IN_CONTRACT = ("contrat", "enjeu", "axe", "objectif", "action", "evenement", "observation")


def page_url(iri: str, commune: str | None = None) -> str:
    """The page a person reads about ``iri``: its own page, its place in a commune's page, or ``/id/``.

    >>> page_url(ID_BASE + "partenaire/ars")
    '/partenaires/ars'
    >>> page_url(ID_BASE + "objectif/fontenay-sante-1", ID_BASE + "commune/94033")
    '/communes/94033#objectif-fontenay-sante-1'
    """
    path = local(iri)
    kind, _, slug = path.partition("/")
    if kind in _PAGES and slug and "/" not in slug:
        return _PAGES[kind].format(slug=slug)
    if kind in IN_CONTRACT and commune:
        return f"{page_url(commune)}#{anchor(iri)}"
    return local_href(iri)  # /id/…, /ontologie#…: where this server answers it; any other IRI as it is


def anchor(iri: str) -> str:
    """The id of a contract element inside its commune's page (``objectif-fontenay-sante-1``)."""
    return local(iri).replace("/", "-")


def passage_url(start, end) -> str | None:
    """The place of a passage in the annex page, or None when there is no passage."""
    if start in (None, "") or end in (None, ""):
        return None
    return f"/annexe#passage-{int(start)}-{int(end)}"
