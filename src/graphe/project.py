"""The project graphe works on: a root folder, the files under it and its prefix table.

graphe runs from a checkout (``pip install -e .``): the ontology, data and queries are files
beside the package, not Python resources, so curators edit them in place. ``GRAPHE_HOME``
names another root (a scratch copy, a second project). Nothing is fixed when a module is
imported: :func:`current` reads ``GRAPHE_HOME`` each time it is called, :func:`using` sets
the project for a block (a context variable: asyncio tasks started inside see it too),
and code that is handed a :class:`Project` (the CLI's commands, the server, the build) uses
that one. Two projects can be used side by side in one process.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

from graphe.errors import DataError

#: The checkout this package is installed from: the project when ``GRAPHE_HOME`` is not set.
CHECKOUT = Path(__file__).resolve().parents[2]

_USING: ContextVar[Project | None] = ContextVar("graphe_project", default=None)


@dataclass(frozen=True)
class Project:
    """One project's root; every other place is derived from it."""

    root: Path

    @staticmethod
    def at(root: Path | str) -> Project:
        """The project at ``root`` (one object per folder, so its prefix table is read once)."""
        return _at(Path(root).resolve())

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def data_ttl(self) -> Path:
        return self.root / "data" / "ttl"

    @property
    def sources(self) -> Path:
        return self.root / "data" / "source"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def checks(self) -> Path:
        return self.queries / "checks"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    @property
    def prefixes_file(self) -> Path:
        return self.ontology / "prefixes.ttl"

    def source_documents(self) -> list[Path]:
        """The source documents (annexes) every passage points into, sorted by name."""
        return sorted(p for p in self.sources.glob("*") if p.is_file() and not p.name.startswith("."))

    def default_source(self) -> Path:
        """The source document a command reads when none is named: the first of ``data/source/``."""
        found = self.source_documents()
        if not found:
            raise DataError(f"{self.sources}: aucun document source")
        return found[0]

    def relative(self, path: Path | str) -> str:
        """``path`` as written in reports and ``build.json``: relative to the root when inside it."""
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    @cached_property
    def prefixes(self) -> dict[str, str]:
        """Prefix → namespace IRI, in the order of ``ontology/prefixes.ttl`` (read on first use)."""
        return read_prefix_table(self.prefixes_file)


@cache
def _at(root: Path) -> Project:
    return Project(root)


def read_prefix_table(path: Path) -> dict[str, str]:
    """The ``sh:declare`` entries of a prefix table, in the order the file writes them."""
    g = Graph().parse(path, format="turtle")
    table = {}
    for decl in g.objects(None, SH.declare):
        table[str(g.value(decl, SH.prefix))] = str(g.value(decl, SH.namespace))
    order = path.read_text(encoding="utf-8")
    return dict(sorted(table.items(), key=lambda kv: order.index(f'"{kv[0]}"')))


def current() -> Project:
    """The project in use now: the one :func:`using` set, else ``GRAPHE_HOME``, else the checkout."""
    chosen = _USING.get()
    if chosen is not None:
        return chosen
    return Project.at(os.environ.get("GRAPHE_HOME") or CHECKOUT)


class using:  # noqa: N801 - used as a function: ``with using(project):``
    """Work on ``project`` for the block (``with using(Project.at(tmp)): build()``).

    A class rather than a generator: the server enters it on every request.
    """

    __slots__ = ("project", "_token")

    def __init__(self, project: Project | Path | str):
        self.project = project if isinstance(project, Project) else Project.at(project)

    def __enter__(self) -> Project:
        self._token = _USING.set(self.project)
        return self.project

    def __exit__(self, *exc) -> None:
        _USING.reset(self._token)
