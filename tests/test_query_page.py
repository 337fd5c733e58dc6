"""The offline query page (src/graphe/static/): self-contained, served by the app, and its
SPARQL logic right on the project's real queries and the real engines' messages.

The page's SPARQL knowledge lives in ``sparql.js``, which runs under node as well as in the
browser: these tests call its functions through node on every ``queries/**/*.rq`` of the
project, on the error messages Oxigraph and rdflib really produce, and on N-Triples that
Oxigraph really writes. The app tests request the page, its assets and the routes it calls
(``/prefixes``, ``/queries``, ``/sparql``) through the real FastAPI app. The browser itself is
driven in ``tests/browser/``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

import graphe
from graphe import formats, guard
from graphe.namespaces import prefixes
from graphe.project import current

STATIC = Path(graphe.__file__).parent / "static"
ASSETS = sorted(p for p in STATIC.iterdir() if p.is_file())
SCRIPTS = [p for p in ASSETS if p.suffix == ".js"]
NODE = shutil.which("node")
#: Every SPARQL file of the project: named queries, checks, the endpoint's harder set.
QUERY_FILES = sorted(
    [*current().queries.rglob("*.rq"), *(current().root / "tests" / "endpoint").rglob("*.rq")]
)
#: What browsers send when they navigate to a page.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Calls sparql.js functions: stdin is [[function, args…], …], stdout the JSON results.
HARNESS = """
const S = require(process.argv[1]);
const calls = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = calls.map(([fn, ...args]) => {
  try { const v = typeof S[fn] === "function" ? S[fn](...args) : S[fn]; return {ok: v === undefined ? null : v}; }
  catch (e) { return {error: String(e && e.message)}; }
});
process.stdout.write(JSON.stringify(out));
"""


def js(*calls: tuple) -> list:
    """Results of sparql.js calls, e.g. ``js(("queryForm", "ASK {}"))``; raises on a JS error."""
    assert NODE, "node est requis pour tester la page (paquet Debian nodejs)"
    done = subprocess.run(
        [NODE, "-e", HARNESS, str(STATIC / "sparql.js")],
        input=json.dumps([list(c) for c in calls]), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for call, r in zip(calls, results, strict=True):
        assert "error" not in r, f"{call[0]} a levé : {r['error']}"
    return [r["ok"] for r in results]


# ---------------------------------------------------------------- self-contained


class _Refs(HTMLParser):
    """Every URL an HTML page makes the browser load or follow."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.data_attrs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "srcset", "formaction") and value is not None:
                self.refs.append((tag, name, value))
            if name.startswith("data-") and value and value.startswith("/"):
                self.data_attrs[name] = value


def page_refs() -> _Refs:
    parser = _Refs()
    parser.feed((STATIC / "query.html").read_text(encoding="utf-8"))
    return parser


def test_the_page_and_its_assets_exist():
    names = {p.name for p in ASSETS}
    assert {"query.html", "query.js", "query.css", "sparql.js"} <= names


def test_the_page_references_only_its_own_server():
    refs = page_refs()
    assert refs.refs, "la page ne référence rien ?"
    for tag, attr, value in refs.refs:
        local = value.startswith("#") or value.startswith("data:") or (
            value.startswith("/") and not value.startswith("//")
        )
        assert local, f"<{tag} {attr}={value!r}> sort du serveur"
        if value.startswith("/static/"):
            assert (STATIC / value.removeprefix("/static/")).is_file(), f"{value} n'existe pas"
    # the routes the script calls are given by the page, and are this server's
    assert set(refs.data_attrs) == {"data-endpoint", "data-queries", "data-prefixes"}


@pytest.mark.parametrize("asset", ASSETS, ids=lambda p: p.name)
def test_no_external_url_in_any_asset(asset):
    """Nothing is fetched from elsewhere: the only absolute URLs allowed are the project's
    namespaces (identifiers shown as text, never requested)."""
    text = asset.read_text(encoding="utf-8")
    namespaces = (*prefixes().values(), "http://www.w3.org/2000/svg")  # the SVG namespace: a name, never fetched
    for url in re.findall(r"https?://[^\s\"'<>()`]+", text):
        assert url.startswith(namespaces), f"{asset.name}: URL externe {url}"
    # protocol-relative URLs and remote imports in CSS or JS
    assert not re.search(r"""(?:src|href)\s*=\s*["']//""", text), asset.name
    assert not re.search(r"""url\(\s*["']?(?!data:|/(?!/)|#)""", text), f"{asset.name}: url() externe"
    assert "@import" not in text and "importScripts" not in text, asset.name


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_javascript_parses(script):
    assert NODE, "node est requis (paquet Debian nodejs)"
    done = subprocess.run([NODE, "--check", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_scripts_touch_only_relative_routes():
    """fetch() and links are built from the page's data-* routes, never from a literal host."""
    for script in SCRIPTS:
        text = script.read_text(encoding="utf-8")
        for call in re.findall(r"fetch\(([^,)]+)", text):
            assert call.strip() in {"request.url", "QUERIES", "PREFIXES"}, f"{script.name}: fetch({call})"


# ---------------------------------------------------------------- sparql.js on real queries


def test_there_are_queries_to_check():
    assert QUERY_FILES, "aucune requête .rq dans queries/ ni tests/endpoint/"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: str(p.relative_to(current().root)))
def test_highlighter_keeps_every_query_intact(path):
    """The editor's coloured copy must be the text itself, token for token, and the page must
    see the same query form and prefixes as the server's guard."""
    text = path.read_text(encoding="utf-8")
    tokens, form, declared = js(("tokenize", text), ("queryForm", text), ("declaredPrefixes", text))
    assert "".join(t["text"] for t in tokens) == text
    assert [t["start"] for t in tokens] == [sum(len(x["text"]) for x in tokens[:i]) for i in range(len(tokens))]
    assert form == guard.query_form(text)
    assert declared == guard.prologue(list(guard.tokens(text)))[0]
    # every name is recognised: no letter is left over as punctuation
    stray = [t["text"] for t in tokens if t["type"] == "punct" and t["text"].isalnum()]
    assert not stray, f"caractères non reconnus : {stray}"
    # every prefixed name used is declared or in the project's table (what the page adds)
    used = {t["text"].split(":")[0] for t in tokens if t["type"] == "pname"}
    assert used <= set(declared) | set(prefixes()), used - set(declared) - set(prefixes())


CASES = [
    ("PREFIX a: <http://x/> BASE <http://y/> describe <z>", "DESCRIBE"),
    ("# commentaire SELECT\nConstruct { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("ask { }", "ASK"),
    ("INSERT DATA { <a:b> <a:c> <a:d> }", "UPDATE"),
    ("PREFIX p: <http://x/> DROP ALL", "UPDATE"),
    ("LOAD <file:///etc/passwd>", "UPDATE"),
    ("SELECT * { ?s <a:p> \"}\" }", "SELECT"),
    ("", None),
]


@pytest.mark.parametrize(("text", "form"), CASES)
def test_query_form(text, form):
    assert js(("queryForm", text)) == [form]


def test_tokens_of_tricky_text():
    text = 'SELECT ?x WHERE { ?x a cdv:Action ; rdfs:label "a \\" # b"@fr-FR ; cdv:rang 2 . _:b0 ?p """x\ny""" } # fin'
    tokens = js(("tokenize", text))[0]
    kinds = [(t["type"], t["text"]) for t in tokens if t["type"] != "ws"]
    assert ("string", '"a \\" # b"') in kinds and ("lang", "@fr-FR") in kinds
    assert ("keyword", "a") in kinds and ("pname", "cdv:Action") in kinds
    assert ("bnode", "_:b0") in kinds and ("string", '"""x\ny"""') in kinds
    assert kinds[-1] == ("comment", "# fin")


BROKEN = [
    # (query, line of the error) — the engines place these errors on that line
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
     "SELECT * WHERE {\n  ?s rdfs:label ?l .\n  FILTER(?l = )\n}", 4),
    ("SELECT ?s WHERE {\n  ?s ?p ?o\n", 3),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT deux", 1),
]


def _oxigraph_message(text: str) -> str:
    with pytest.raises(SyntaxError) as exc:
        ox.Store().query(text)
    return str(exc.value)


def _rdflib_message(text: str) -> str:
    with pytest.raises(Exception) as exc:
        prepareQuery(text)
    return str(exc.value)


@pytest.mark.parametrize(("text", "line"), BROKEN)
@pytest.mark.parametrize("engine", [_oxigraph_message, _rdflib_message], ids=["oxigraph", "rdflib"])
def test_error_position_from_real_engine_messages(engine, text, line):
    message = engine(text)
    where = js(("errorPosition", message, text))[0]
    assert where is not None, f"pas de position dans {message!r}"
    # both engines may place the error just past the faulty token, on the next line
    assert abs(where["line"] - line) <= 1, message
    assert 0 <= where["offset"] <= len(text)
    assert js(("lineColumn", text, where["offset"]))[0]["line"] == where["line"]


def test_error_position_from_a_json_body_and_french_text():
    text = "SELECT *\nWHERE { ?s ?p }"
    by_body, by_text, none = js(
        ("errorPosition", "Requête invalide", text, {"line": 2, "column": 14}),
        ("errorPosition", "erreur de syntaxe ligne 2, colonne 14", text),
        ("errorPosition", "délai dépassé", text),
    )
    assert by_body == by_text == {"line": 2, "column": 14, "offset": 9 + 13}
    assert none is None


def test_ntriples_of_oxigraph_are_read_back():
    """CONSTRUCT answers are tabulated from N-Triples: every kind of term must survive."""
    s, p = ox.NamedNode("https://w3id.org/contrats-de-ville/id/action/a-1"), ox.NamedNode("http://x/p")
    objects = [
        ox.Literal('Cité « éducative »\n"citée"\t\\ 🙂', language="fr-fr"),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("simple"),
        ox.BlankNode("b1"),
        ox.NamedNode("http://x/o?a=1&b=é"),
    ]
    nt = ox.serialize([ox.Triple(s, p, o) for o in objects], format=ox.RdfFormat.N_TRIPLES).decode()
    triples = js(("parseNTriples", nt))[0]

    def expected(term):
        if isinstance(term, ox.NamedNode):
            return {"type": "uri", "value": term.value}
        if isinstance(term, ox.BlankNode):
            return {"type": "bnode", "value": term.value}
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out

    assert sorted(map(json.dumps, (t[2] for t in triples))) == sorted(json.dumps(expected(o)) for o in objects)
    assert all(t[0] == {"type": "uri", "value": s.value} for t in triples)


def test_ntriples_reader_rejects_garbage():
    done = subprocess.run(
        [NODE, "-e", "const S=require(process.argv[1]); try { S.parseNTriples('<a:b> <a:c> .'); "
         "process.exit(3) } catch (e) { console.log(e.message) }", str(STATIC / "sparql.js")],
        capture_output=True, text=True,
    )
    assert done.returncode == 0 and "ligne 1" in done.stdout


def test_iris_are_shortened_and_linked_with_the_project_table():
    table = prefixes()
    commune = table["commune"] + "94017"
    cdv = table["cdv"] + "Commune"
    label = table["rdfs"] + "label"
    other = "http://example.org/x"
    shorts = js(*(("compact", iri, table) for iri in (commune, cdv, label, other)))
    assert shorts == ["commune:94017", "cdv:Commune", "rdfs:label", None]
    links = js(*(("linkFor", iri, table) for iri in (commune, cdv, other)))
    # the graph's resources are served here at /id/…; anything else links to itself
    assert links == ["/id/commune/94017", cdv, other]


def test_prologue_is_the_projects():
    from graphe.namespaces import sparql_prologue

    assert js(("prologue", prefixes())) == [sparql_prologue()]


def test_download_links_use_the_endpoints_format_names():
    downloads, url = js(("DOWNLOADS",), ("queryURL", "/sparql", "SELECT * { ?s ?p ?o }", "csv"))
    offers = {"table": formats.SOLUTIONS, "graph": formats.GRAPH, "named": formats.TABLE}
    for kind, links in downloads.items():
        chosen = [formats.by_name(link["format"], offers[kind]) for link in links]
        assert None not in chosen, f"{kind}: format inconnu du serveur dans {links}"
        assert set(chosen) == set(offers[kind]), f"{kind}: il manque des formats du serveur"
    assert url == "/sparql?query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&format=csv"


def test_the_page_asks_for_what_it_can_show():
    accept = js(("ACCEPT",))[0]
    assert formats.choose(accept, formats.SOLUTIONS) is formats.JSON
    assert formats.choose(accept, formats.GRAPH) is formats.NTRIPLES


# ---------------------------------------------------------------- served by the app


@pytest.fixture(scope="module")
def client(built_dist):
    from fastapi.testclient import TestClient

    from graphe.api import Settings, create_app

    with TestClient(create_app(Settings(dist=built_dist, workers=1))) as c:
        yield c


def test_browsers_get_the_page_at_sparql(client):
    r = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.content == (STATIC / "query.html").read_bytes()


def test_a_permalink_opens_the_page_for_a_browser_and_answers_a_client(client, communes):
    query = "SELECT ?c WHERE { ?c a cdv:Commune }"
    page = client.get("/sparql", params={"query": query}, headers={"Accept": BROWSER_ACCEPT})
    assert page.headers["content-type"].startswith("text/html") and b"query.js" in page.content
    data = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert len(data.json()["results"]["bindings"]) == len(communes)


def test_a_permalink_to_a_refused_query_still_opens_the_page_for_a_browser(client):
    """The page runs the query and shows the refusal in place; a client still gets the 400."""
    page = client.get("/sparql", params={"query": "DROP ALL"}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and b"query.js" in page.content
    refused = client.get("/sparql", params={"query": "DROP ALL"}, headers={"Accept": "application/sparql-results+json"})
    assert refused.status_code == 400


def test_every_asset_the_page_references_is_served(client):
    types = {".js": "javascript", ".css": "text/css"}
    refs = [v for _, _, v in page_refs().refs if v.startswith("/static/")]
    assert len(refs) >= 3
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200, ref
        assert types[Path(ref).suffix] in r.headers["content-type"], ref
        assert r.content == (STATIC / ref.removeprefix("/static/")).read_bytes()


def test_the_routes_the_page_calls(client):
    refs = page_refs().data_attrs
    assert client.get(refs["data-prefixes"]).json() == prefixes()
    entries = client.get(refs["data-queries"], headers={"Accept": "application/json"}).json()
    from graphe.queries import catalogue

    assert sorted(e["name"] for e in entries) == sorted(q.name for q in catalogue())
    for e in entries:  # the fields query.js reads
        assert isinstance(e["summary"], str) and e["summary"] and isinstance(e["description"], str)
        assert isinstance(e["query"], str) and e["query"].strip()
        for p in e["params"]:
            assert set(p) >= {"name", "type", "default", "label"} and p["type"] in ("iri", "string", "integer", "date")


def test_the_pages_own_requests_get_what_it_can_show(client, communes):
    accept = js(("ACCEPT",))[0]
    form = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
    select = client.post("/sparql", data={"query": "SELECT ?c WHERE { ?c a cdv:Commune }"}, headers=form)
    assert select.headers["content-type"].startswith("application/sparql-results+json")
    assert select.headers["x-rows"] == str(len(communes))
    construct = client.post(
        "/sparql", data={"query": "CONSTRUCT { ?c a cdv:Commune } WHERE { ?c a cdv:Commune }"}, headers=form
    )
    assert construct.headers["content-type"].startswith("application/n-triples")
    assert len(js(("parseNTriples", construct.text))[0]) == len(communes)


@pytest.mark.parametrize("kind", ["table", "graph"])
def test_download_links_answer_in_their_format(client, kind):
    query = {"table": "SELECT ?c WHERE { ?c a cdv:Commune }",
             "graph": "CONSTRUCT { ?c a cdv:Commune } WHERE { ?c a cdv:Commune }"}[kind]
    links = js(("DOWNLOADS",))[0][kind]
    urls = js(*(("queryURL", "/sparql", query, link["format"]) for link in links))
    offers = formats.SOLUTIONS if kind == "table" else formats.GRAPH
    for link, url in zip(links, urls, strict=True):
        r = client.get(url)  # a plain link: no Accept header from the page
        assert r.status_code == 200, (url, r.text)
        expected = formats.by_name(link["format"], offers).media_type
        assert r.headers["content-type"].split(";")[0] == expected, link


def test_named_question_downloads(client):
    from graphe.queries import catalogue

    name = catalogue()[0].name
    for link in js(("DOWNLOADS",))[0]["named"]:
        r = client.get(f"/queries/{name}", params={"format": link["format"]})
        assert r.status_code == 200, (link, r.text)
        assert r.headers["content-type"].split(";")[0] == formats.by_name(link["format"], formats.TABLE).media_type


@pytest.mark.parametrize(("text", "line"), BROKEN)
def test_the_servers_syntax_errors_give_a_position(client, text, line):
    accept = js(("ACCEPT",))[0]
    r = client.post("/sparql", data={"query": text}, headers={"Accept": accept})
    assert r.status_code == 400
    message = r.json()["error"]  # what query.js shows
    where = js(("errorPosition", message, text, r.json()))[0]
    assert where is not None, message
    assert abs(where["line"] - line) <= 1, message
