"""The HTTP face of graphe: a FastAPI app built by :func:`create_app` around one dataset.

Both names are imported on first use (PEP 562): ``graphe serve``'s supervisor reads
:class:`Settings` without importing FastAPI, which only the server processes need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphe.api.app import create_app
    from graphe.api.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from graphe.api.app import create_app

        return create_app
    if name == "Settings":
        from graphe.api.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
