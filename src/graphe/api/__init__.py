"""The HTTP face of graphe: a FastAPI app built by :func:`create_app` around one dataset."""

from graphe.api.app import create_app
from graphe.api.settings import Settings

__all__ = ["Settings", "create_app"]
