"""One Jinja2 environment for every server-rendered page, so they all share ``base.html``.

Routes render with ``templates.TemplateResponse(request, "page.html", context)``; the layout
reads the site's name, the navigation and the dataset's version from the globals set here and
from ``request.app.state.runtime``, so no page has to pass them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from graphe import __version__
from graphe.web.data import page_url
from graphe.web.markup import finalize
from graphe.web.tables import french_date

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

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(
    site="Contrats de ville de Paris Est Marne&Bois",
    navigation=NAVIGATION,
    code_version=__version__,
)
templates.env.trim_blocks = True
# what a template prints from the data is shown as read: the annex's inline tags are dropped
templates.env.finalize = finalize
templates.env.lstrip_blocks = True


def dataset_version(request) -> str:
    """The short version of the dataset the server holds (the SHA-256 of ``dataset.nq``)."""
    runtime = getattr(request.app.state, "runtime", None)
    return (getattr(runtime, "version", "") or "")[:12]


templates.env.globals["dataset_version"] = dataset_version


def dataset_date(request) -> str:
    """When the served dataset was built (``dist/build.json``), as a French date; empty if unknown."""
    runtime = getattr(request.app.state, "runtime", None)
    try:
        built = (Path(runtime.settings.dist) / "build.json").stat().st_mtime
    except (AttributeError, OSError):
        return ""
    return french_date(datetime.fromtimestamp(built, UTC).date().isoformat())


templates.env.globals["dataset_date"] = dataset_date

templates.env.filters["page_url"] = page_url


def plural(count, singular: str, plural_form: str | None = None) -> str:
    """``3 partenaires``, ``1 partenaire``, ``0 action`` (French: the plural from two on)."""
    n = int(count)
    return f"{n} {singular if n < 2 else (plural_form or singular + 's')}"


templates.env.filters["pluriel"] = plural
