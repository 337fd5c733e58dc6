"""The staff pages on the real built dataset, through the app's own ASGI interface."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="session")
def client(built_dist):
    from graphe.api import Settings, create_app

    app = create_app(Settings(dist=built_dist, workers=1))
    with TestClient(app, headers={"Accept": "text/html"}) as c:
        yield c
