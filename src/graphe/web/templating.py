"""One Jinja2 environment for every server-rendered page, so they all share ``base.html``.

Routes render with ``templates().TemplateResponse(request, "page.html", context)``; the layout
reads the site's name, the navigation and the dataset's version from the globals set here and
from ``request.app.state.runtime``, so no page has to pass them. The environment (and Jinja2
itself) is made at the first page: a server that only answers SPARQL never loads it, and its
start is shorter by that much.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from graphe import __version__
from graphe.web.data import page_url
from graphe.web.markup import finalize
from graphe.web.tables import french_date

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"

#: The navigation of every page: (path, label).
NAVIGATION = [
    ("/communes", "Communes"),
    ("/partenaires", "Partenaires"),
    ("/dispositifs", "Dispositifs"),
    ("/themes", "Thèmes"),
    ("/comparer", "Comparer"),
    ("/annexe", "L'annexe"),
    ("/queries", "Questions"),
    ("/sparql", "SPARQL"),
]

def dataset_version(request) -> str:
    """The short version of the dataset the server holds (the SHA-256 of ``dataset.nq``)."""
    runtime = getattr(request.app.state, "runtime", None)
    return (getattr(runtime, "version", "") or "")[:12]



def dataset_date(request) -> str:
    """When the served dataset was built (``dist/build.json``), as a French date; empty if unknown."""
    runtime = getattr(request.app.state, "runtime", None)
    try:
        built = (Path(runtime.settings.dist) / "build.json").stat().st_mtime
    except (AttributeError, OSError):
        return ""
    return french_date(datetime.fromtimestamp(built, UTC).date().isoformat())



def plural(count, singular: str, plural_form: str | None = None) -> str:
    """``3 partenaires``, ``1 partenaire``, ``0 action`` (French: the plural from two on)."""
    n = int(count)
    return f"{n} {singular if n < 2 else (plural_form or singular + 's')}"



@functools.cache
def templates() -> Jinja2Templates:
    """The pages' one environment, made at the first call."""
    from fastapi.templating import Jinja2Templates

    made = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = made.env
    env.globals.update(site="Contrats de ville de Paris Est Marne&Bois", navigation=NAVIGATION,
                       code_version=__version__, dataset_version=dataset_version, dataset_date=dataset_date)
    env.trim_blocks = True
    env.lstrip_blocks = True
    # what a template prints from the data is shown as read: the annex's inline tags are dropped
    env.finalize = finalize
    env.filters["page_url"] = page_url
    env.filters["pluriel"] = plural
    return made
