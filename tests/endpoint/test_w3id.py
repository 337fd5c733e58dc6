"""The w3id.org redirect rules (publication/w3id/.htaccess), followed to the live server.

w3id.org runs Apache; here the file's RewriteCond/RewriteRule lines are read by a small
evaluator of the mod_rewrite features the file uses (conditions on the Accept header and the
query string, [NC], [OR], negation, $n, QSA), and each redirect is followed to the live server
with the client's Accept header, as clients do: what arrives must be what the client asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from graphe.project import current

HTACCESS = current().root / "publication" / "w3id" / ".htaccess"
HOST = "https://graphe.example.org"


@dataclass
class Rule:
    conditions: list[tuple[str, str, bool, bool, bool]]  # variable, regex, negated, NC, OR
    pattern: str
    target: str
    flags: set[str]


def rules() -> list[Rule]:
    out, pending = [], []
    for line in HTACCESS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("RewriteCond"):
            _, variable, regex, *rest = line.split()
            flags = set(rest[0].strip("[]").split(",")) if rest else set()
            negated = regex.startswith("!")
            pending.append((variable, regex.lstrip("!"), negated, "NC" in flags, "OR" in flags))
        elif line.startswith("RewriteRule"):
            _, pattern, target, flags = line.split()
            out.append(Rule(pending, pattern, target, set(flags.strip("[]").split(","))))
            pending = []
    return out


def holds(rule: Rule, headers: dict[str, str]) -> bool:
    """AND of the conditions, where [OR] joins a condition with the next (as mod_rewrite does)."""
    result, alternative = True, False
    for variable, regex, negated, nocase, or_next in rule.conditions:
        value = headers.get(variable[2:-1], "")
        ok = bool(re.search(regex, value, re.I if nocase else 0)) != negated
        alternative = alternative or ok
        if or_next:
            continue
        result, alternative = result and alternative, False
    return result


def redirect(path: str, query: str, accept: str) -> tuple[int, str] | None:
    headers = {"HTTP_ACCEPT": accept, "QUERY_STRING": query}
    for rule in rules():
        m = re.match(rule.pattern, path)
        if not m or not holds(rule, headers):
            continue
        target = re.sub(r"\$(\d)", lambda g: m.group(int(g.group(1))) or "", rule.target)  # noqa: B023 - used at once
        if "?" not in target and query:
            target += "?" + query
        elif query and "QSA" in rule.flags:
            target += "&" + query
        status = next(int(f.split("=")[1]) for f in rule.flags if f.startswith("R="))
        return status, target
    return None


ACCEPTS = {
    "navigateur": ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    "turtle": ("text/turtle", "text/turtle"),
    "rdfxml": ("application/rdf+xml", "application/rdf+xml"),
    "jsonld": ("application/ld+json", "application/ld+json"),
    "ntriples": ("application/n-triples", "application/n-triples"),
    "curl": ("*/*", None),  # graphe's own choice
}
PATHS = ["ontologie", "formes", "graphe/annexe-1", "id/commune/94017", "id/partenaire/omm"]


def test_the_rules_are_there():
    found = rules()
    assert len(found) >= 7 and all(r.target.startswith(HOST + "/") for r in found)


@pytest.mark.parametrize("who", ACCEPTS)
@pytest.mark.parametrize("path", PATHS)
def test_each_iri_redirects_to_what_the_client_asked_for(client, path, who):
    accept, expected = ACCEPTS[who]
    status, target = redirect(path, "", accept)
    assert status == 303 and target.startswith(f"{HOST}/{path}")
    url = urlsplit(target)
    response = client.get(url.path + ("?" + url.query if url.query else ""), headers={"Accept": accept})
    assert response.status_code == 200, (target, response.text[:200])
    direct = client.get("/" + path, headers={"Accept": accept})
    assert response.headers["content-type"] == direct.headers["content-type"]
    if expected:
        assert response.headers["content-type"].startswith(expected)


def test_a_format_the_client_gave_is_kept():
    assert redirect("ontologie", "format=jsonld", "text/html") == (303, f"{HOST}/ontologie?format=jsonld")
    assert redirect("ontologie", "lang=fr", "text/turtle") == (303, f"{HOST}/ontologie?format=turtle&lang=fr")


@pytest.mark.parametrize("path", ["void", ".well-known/void", "dumps/dataset.nq", "sparql", "queries", "communes", ""])
def test_the_other_paths_keep_path_and_query(client, path):
    status, target = redirect(path, "a=1", "*/*")
    assert target == f"{HOST}/{path}?a=1" and status in (302, 303)
    assert client.get("/" + path, follow_redirects=True).status_code == 200
