"""The named questions' answers written by the build (graphe.precomputed) are the engine's, byte for byte.

For every named question, every part the files hold (the whole answer and each page, one past
the last too) and every format (JSON, CSV, TSV, XML and the French page), the same request is
answered once from the files and once by the engine on the same server (its files set aside):
same status, body, rows, cut, ETag and next link — and the files were really read. Two set-ups:
the files ``graphe build`` wrote (pages of 1,000 rows, the default cap), and files written for
pages of 7 rows and a cap of 40, so that at the annex's size the answers span many pages and
``page=tout`` is cut. A file written for another dataset, store, page size, cap or prefix table
is never served.
"""

from __future__ import annotations

import json
import shutil

import pytest

from graphe import precomputed, queries
from graphe.api.settings import Settings
from graphe.store import dataset_version

from .conftest import start_server, stop_server

CATALOGUE = queries.catalogue()
SETUPS = {"construction": {}, "pages de 7": {"page_size": 7, "row_limit": 40}}
KEPT = ("etag", "x-rows", "x-truncated", "x-row-limit", "link", "content-type")


@pytest.fixture(scope="module", params=list(SETUPS))
def served(request, built_dist, tmp_path_factory):
    """A server on a copy of the build, with the files of the set-up (the build's own, or rewritten)."""
    options = SETUPS[request.param]
    dist = tmp_path_factory.mktemp("precalcul") / "dist"
    shutil.copytree(built_dist, dist, ignore=shutil.ignore_patterns("oxigraph"))
    if options:
        precomputed.write(dist, page_size=options["page_size"], row_limit=options["row_limit"])
    server = start_server(Settings(dist=dist, workers=2, cache_mb=0, **options))
    yield server, dist
    stop_server(server)


def _parts(dist) -> list[tuple[str, str]]:
    """(question, page=…) for every file of the index, and one page past the last (the engine's)."""
    index = json.loads((dist / precomputed.DIRECTORY / precomputed.INDEX).read_text(encoding="utf-8"))
    parts = [(e["question"], e["partie"]) for e in index["reponses"].values()]
    last = {}
    for name, part in parts:
        if part != "tout":
            last[name] = max(last.get(name, 0), int(part))
    return parts + [(name, str(n + 1)) for name, n in last.items()]


def test_the_build_writes_every_question_for_its_own_version(built_dist):
    index = json.loads((built_dist / "reponses" / "index.json").read_text(encoding="utf-8"))
    build = json.loads((built_dist / "build.json").read_text(encoding="utf-8"))
    assert index["version"] == build["version"] == dataset_version("oxigraph", built_dist / "dataset.nq")
    assert (index["taille_page"], index["limite"], index["magasin"]) == (1000, 10_000, precomputed.MEMORY)
    written = {e["question"] for e in index["reponses"].values()}
    assert written == {q.name for q in CATALOGUE}
    for entry in index["reponses"].values():
        for fmt in precomputed.FORMATS:
            assert (built_dist / "reponses" / entry["question"] / f"{entry['partie']}.{fmt}").is_file()


def test_files_and_engine_answer_the_same_bytes(served):
    server, dist = served
    answers = server.runtime.answers
    assert answers is not None, "les réponses précalculées n'ont pas été ouvertes"
    checked = 0
    with server.client(headers={"Cache-Control": "no-cache"}) as client:
        for name, part in _parts(dist):
            for fmt in [*precomputed.FORMATS, "html"]:
                params = {"page": "tout" if part == "tout" else part}
                headers = {"Accept": "text/html"} if fmt == "html" else {}
                if fmt != "html":
                    params["format"] = fmt
                url = f"/queries/{name}"
                before = answers.served
                from_files = client.get(url, params=params, headers=headers)
                read = answers.served - before
                server.runtime.answers = None
                try:
                    by_engine = client.get(url, params=params, headers=headers)
                finally:
                    server.runtime.answers = answers
                where = f"{name} page={part} {fmt}"
                assert from_files.status_code == by_engine.status_code == 200, where
                assert from_files.content == by_engine.content, where
                assert {k: from_files.headers.get(k) for k in KEPT} == {k: by_engine.headers.get(k) for k in KEPT}, where
                beyond = not (dist / "reponses" / name / f"{part}.json").is_file()
                assert read == (0 if beyond else 1), f"{where} : fichier lu {read} fois"
                assert ("precalcul" in from_files.headers.get("server-timing", "")) == (not beyond and fmt != "html"), where
                checked += 1
    assert checked >= 5 * len(CATALOGUE) * 2


def test_the_quick_lane_serves_the_same_files(served):
    """Without gzip, the first page is answered before FastAPI (graphe.api.quick_named): from
    the same file, with the route's bytes and headers."""
    server, _ = served
    lane, answers = server.app.named, server.runtime.answers
    with server.client(headers={"Accept-Encoding": "identity"}) as client:
        for query in CATALOGUE:
            taken, read = lane.taken, answers.served
            quick = client.get(f"/queries/{query.name}", headers={"Accept": "application/sparql-results+json"})
            assert (lane.taken - taken, answers.served - read) == (1, 1), query.name
            route = client.get(f"/queries/{query.name}", params={"page": "1"},  # page= is the route's
                               headers={"Accept": "application/sparql-results+json"})
            assert lane.taken - taken == 1 and answers.served - read == 2, query.name
            assert quick.content == route.content and quick.headers.get("x-rows") == route.headers.get("x-rows")
            assert quick.headers.get("link") == route.headers.get("link"), query.name


def _engine_latencies(server) -> float:
    """How many answers the engine's latency histogram has seen."""
    metrics = server.runtime.metrics
    metrics.exposition()  # adds what the request path tallied
    return next(s.value for m in metrics.registry.collect() for s in m.samples
                if s.name == "graphe_query_duration_seconds_count")


def test_other_parameter_values_go_to_the_engine(served):
    server, _ = served
    answers = server.runtime.answers
    with server.client(headers={"Cache-Control": "no-cache"}) as client:
        before, engine = answers.served, _engine_latencies(server)
        reply = client.get("/queries/objectifs-et-actions", params={"commune": "commune:94068", "format": "json"})
        assert reply.status_code == 200 and answers.served == before
        assert "precalcul" not in reply.headers.get("server-timing", "")
        assert _engine_latencies(server) == engine + 1
        default = client.get("/queries/objectifs-et-actions", params={"commune": "commune:94017", "format": "json"})
        assert default.status_code == 200 and answers.served == before + 1  # the default, named: the same text
        assert _engine_latencies(server) == engine + 1, "une réponse lue dans un fichier n'est pas une latence du moteur"


@pytest.mark.parametrize("key", ["version", "magasin", "taille_page", "limite", "base", "prefixes"])
def test_files_for_anything_else_are_never_served(built_dist, tmp_path, key):
    """A stale index (another dataset), or one for another store, page size, cap, base or prefix table."""
    dist = tmp_path / "dist"
    shutil.copytree(built_dist / "reponses", dist / "reponses")
    path = dist / "reponses" / "index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    settings = Settings(dist=built_dist)
    right = dict(dist=dist, version=index["version"], spec="oxigraph", page_size=1000, row_limit=10_000, base=None,
                 prefixes=settings.project.prefixes)
    assert precomputed.open_for(**right) is not None
    index[key] = {"version": "0" * 64, "magasin": precomputed.DISK, "taille_page": 500, "limite": 5,
                  "base": "http://ailleurs/", "prefixes": "autre"}[key]
    path.write_text(json.dumps(index), encoding="utf-8")
    assert precomputed.open_for(**right) is None


def test_a_rebuild_under_a_running_server_never_mixes_releases(built_dist, tmp_path):
    """graphe build swaps dist/ (graphe.build.publish.swap): the old directory moves away, then
    is removed. The server reads its own release's file until then, none after (the engine answers)."""
    dist = tmp_path / "dist"
    shutil.copytree(built_dist / "reponses", dist / "reponses")
    index = json.loads((dist / "reponses" / "index.json").read_text(encoding="utf-8"))
    answers = precomputed.open_for(dist, index["version"], "oxigraph", 1000, 10_000, None,
                                   Settings(dist=built_dist).project.prefixes)
    text, entry = next(iter(answers.entries.items()))
    own = answers.get(text, "csv").body
    (dist / "reponses").rename(tmp_path / "ancien")
    shutil.copytree(built_dist / "reponses", dist / "reponses")
    (dist / "reponses" / entry.question / f"{entry.part}.csv").write_bytes(b"la version suivante\r\n")
    assert answers.get(text, "csv").body == own
    shutil.rmtree(tmp_path / "ancien")
    assert answers.get(text, "csv") is None


def test_no_files_for_another_engine(built_dist):
    index = json.loads((built_dist / "reponses" / "index.json").read_text(encoding="utf-8"))
    assert precomputed.open_for(built_dist, index["version"], "rdflib", 1000, 10_000, None,
                                Settings(dist=built_dist).project.prefixes) is None


TRICKY = r'''<http://x/a> <http://x/p> "guillemets \" et \\ barre, virgule; tab\tfin" <http://x/g> .
<http://x/a> <http://x/p> "ligne\nsuivante\r\n"@fr <http://x/g> .
<http://x/b> <http://x/p> "Ça, là — « œuvre » 🌍"@fr-ca <http://x/g> .
<http://x/b> <http://x/p> "12"^^<http://www.w3.org/2001/XMLSchema#integer> <http://x/g> .
<http://x/b> <http://x/p> "1.5e3"^^<http://www.w3.org/2001/XMLSchema#double> <http://x/g> .
<http://x/c> <http://x/p> "2024-01-31"^^<http://www.w3.org/2001/XMLSchema#date> <http://x/g> .
<http://x/c> <http://x/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> <http://x/g> .
<http://x/c> <http://x/p> "<b>&amp;</b> ]]>" <http://x/g> .
<http://x/d> <http://x/p> "ctrl \u0001 \u001f" <http://x/g> .
<http://x/d> <http://x/q> <http://x/é?a=1&b=2> <http://x/g> .
'''


def test_unusual_terms_are_written_as_the_engine_writes_them(tmp_path):
    """Beyond the annex's data: quotes, escapes, line breaks, control characters, languages,
    datatypes, markup and IRIs with query strings, unbound cells, pages cut anywhere."""
    from graphe.project import CHECKOUT, Project
    from graphe.store import make_store

    root = tmp_path / "projet"
    (root / "ontology").mkdir(parents=True)
    shutil.copy(CHECKOUT / "ontology" / "prefixes.ttl", root / "ontology" / "prefixes.ttl")
    (root / "queries").mkdir()
    (root / "queries" / "tout.rq").write_text(
        "#+ summary: tout\nSELECT ?s ?o ?q WHERE { ?s <http://x/p> ?o OPTIONAL { ?s <http://x/q> ?q } }\n"
        "ORDER BY ?s STR(?o)\n", encoding="utf-8")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "dataset.nq").write_text(TRICKY, encoding="utf-8")
    project = Project.at(root)
    index = precomputed.write(dist, project, page_size=3, row_limit=5)
    store = make_store("oxigraph", prefixes=project.prefixes).load(dist / "dataset.nq")
    assert sorted(e["partie"] for e in index["reponses"].values()) == ["1", "2", "3", "4", "tout"]
    for text, entry in index["reponses"].items():
        for fmt in precomputed.FORMATS:
            engine = store.query(store.check(text), format=fmt, row_limit=5)
            written = (dist / "reponses" / entry["question"] / f"{entry['partie']}.{fmt}").read_bytes()
            assert written == engine.body, (entry["partie"], fmt)
            assert (entry["lignes"], entry["tronquee"]) == (engine.rows, engine.truncated)
