"""The validation cache: results stored under a digest of everything that produced them.

A key is the SHA-256 of the content a result depends on (file bytes, shapes, graphe's version
and validation code…), never of dates or paths alone: a cache entry can only be found again by
the very same inputs, so it cannot hide a violation. Entries live under ``.graphe-cache/`` at the
project root (``GRAPHE_CACHE`` elsewhere), one JSON file each, written atomically; an entry that
cannot be read is a miss. Removing the directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from graphe import __version__
from graphe.project import Project, current


def default_dir(project: Project | None = None) -> Path:
    """``$GRAPHE_CACHE/validation``, else the user's cache (``~/.cache/graphe/``), one folder per project:
    the project's own tree holds only its sources and ``dist/``."""
    if os.environ.get("GRAPHE_CACHE"):
        return Path(os.environ["GRAPHE_CACHE"]) / "validation"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "graphe"
    return base / f"validation-{digest(str((project or current()).root.resolve()))[:16]}"


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, read every time: a date or a size can stay the same across an edit
    (timestamps tick every few milliseconds), the bytes cannot (≈ 0.4 s for the 360 MB of 300×)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def rules_digest(rule_files: list[Path], project: Project | None = None) -> str:
    """What every result depends on besides the data: the rule files, graphe's version and code, pySHACL's."""
    import pyshacl

    code = Path(__file__).parent
    own = [code / "validate.py", code / "shacl_units.py", code / "checks.py", code / "validation_cache.py"]
    parts = [__version__, pyshacl.__version__, str((project or current()).root)]  # reports name files from the root
    parts += [f"{p.name} {file_digest(p)}" for p in [*rule_files, *own]]
    return digest("règles", *parts)


class Cache:
    """Key → JSON value on disk; ``enabled=False`` reads nothing and writes nothing."""

    def __init__(self, directory: Path | None = None, enabled: bool = True, project: Project | None = None):
        self.dir = Path(directory) if directory is not None else default_dir(project)
        self.enabled = enabled
        self.hits = self.misses = 0

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str):
        if not self.enabled:
            self.misses += 1
            return None
        try:
            value = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(value, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time
