"""``/dumps/{file}``: the release's files over HTTP, as a mirror or a cache expects them.

Every file that ``SHA256SUMS`` lists is served byte for byte, with its SHA-256 as strong ETag,
its size as Content-Length (never gzipped on the way, so the size is the one DCAT states),
``HEAD`` and ``304``.
"""

from __future__ import annotations

import hashlib

import pytest


def listed(dist) -> list[str]:
    return [line.split("  ", 1)[1] for line in (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def files(endpoint_dist) -> list[str]:
    names = listed(endpoint_dist)
    assert "dataset.nq" in names and "void.ttl" in names
    return [*names, "SHA256SUMS"]


def test_every_listed_file_is_served_as_built(client, endpoint_dist, files):
    for name in files:
        response = client.get(f"/dumps/{name}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, name
        data = (endpoint_dist / name).read_bytes()
        assert response.content == data, name
        assert "content-encoding" not in response.headers, f"{name} compressé en route"
        assert int(response.headers["content-length"]) == len(data)
        assert response.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'


@pytest.mark.parametrize(
    "name,media",
    [("dataset.nq", "application/n-quads"), ("dataset.trig", "application/trig"), ("annexe-1.ttl", "text/turtle"),
     ("dataset.jsonld", "application/ld+json"), ("SHA256SUMS", "text/plain"), ("ontologie.html", "text/html")],
)
def test_media_types(client, name, media):
    assert client.head(f"/dumps/{name}").headers["content-type"].startswith(media)


def test_head_says_what_get_would_send_without_the_body(client, endpoint_dist):
    head = client.head("/dumps/dataset.nq")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == (endpoint_dist / "dataset.nq").stat().st_size
    assert head.headers["etag"] == client.get("/dumps/dataset.nq").headers["etag"]


def test_if_none_match_is_304(client):
    etag = client.head("/dumps/dataset.trig").headers["etag"]
    for method in ("GET", "HEAD"):
        again = client.request(method, "/dumps/dataset.trig", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    stale = client.get("/dumps/dataset.trig", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200


def test_a_range_of_a_dump(client, endpoint_dist):
    part = client.get("/dumps/dataset.nq", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == (endpoint_dist / "dataset.nq").read_bytes()[:100]


@pytest.mark.parametrize("name", ["build.json", "n-existe-pas.nq", "..%2Fdist%2Fdataset.nq", "%2E%2E%2Fbuild.json"])
def test_only_what_the_release_lists(client, name):
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 404
    assert "Traceback" not in response.text
