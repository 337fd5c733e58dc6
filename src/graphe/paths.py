"""Where the project's files live.

graphe is run from a checkout (``pip install -e .``): the ontology, data and queries are files
beside the package, not Python resources, so curators edit them in place. ``GRAPHE_HOME``
points elsewhere when the checkout is not the current project (tests use it for scratch copies).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("GRAPHE_HOME", Path(__file__).resolve().parents[2]))
ONTOLOGY = ROOT / "ontology"
DATA_TTL = ROOT / "data" / "ttl"
QUERIES = ROOT / "queries"
CHECKS = QUERIES / "checks"
DIST = ROOT / "dist"
PREFIXES = ONTOLOGY / "prefixes.ttl"
SOURCES = ROOT / "data" / "source"


def source_documents(root: Path | None = None) -> list[Path]:
    """The source documents (annexes) every passage points into, sorted by name."""
    folder = SOURCES if root is None else Path(root) / "data" / "source"
    return sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))


def default_source() -> Path:
    """The source document a command reads when none is named: the first of ``data/source/``."""
    found = source_documents()
    if not found:
        from graphe.errors import DataError

        raise DataError(f"{SOURCES}: aucun document source")
    return found[0]
