"""One prefix table (ontology/prefixes.ttl): every .ttl and .rq of the project follows it.

For each file: every declared prefix is in the table with exactly its namespace, every declared
prefix is used, and no IRI of a table namespace is written in full where its prefixed name
would do (so an IRI is never spelt two ways).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphe.namespaces import prefixes
from graphe.project import current

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "dist", "build", "__pycache__", ".pytest_cache"}

DECLARATION = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+(?P<prefix>[A-Za-z][\w.-]*)?:\s*<(?P<ns>[^>]*)>\s*\.?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
FULL_IRI = re.compile(r"<(?P<iri>[a-z][a-z0-9+.-]*:[^<>\s\"]*)>", re.IGNORECASE)
#: A local name that a prefixed name can carry without escapes (Turtle/SPARQL PN_LOCAL, simplified).
PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[\w.-]*[\w-])?")


def project_files() -> list[Path]:
    found = []
    for path in sorted(current().root.rglob("*")):
        rel = path.relative_to(current().root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if path.suffix in (".ttl", ".rq") and path.is_file():
            found.append(path)
    return found


FILES = project_files()


def _body(text: str) -> str:
    """The text without declaration lines and whole-line comments (``#…``, headers ``#+ …``)."""
    text = DECLARATION.sub("", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def problems(path: Path) -> list[str]:
    table = prefixes()
    text = path.read_text(encoding="utf-8")
    body = _body(text)
    found = []
    for m in DECLARATION.finditer(text):
        prefix, ns = m.group("prefix") or "", m.group("ns")
        if prefix not in table:
            found.append(f"préfixe {prefix}: hors de la table (ontology/prefixes.ttl)")
        elif table[prefix] != ns:
            found.append(f"préfixe {prefix}: lié à <{ns}> au lieu de <{table[prefix]}>")
        if not re.search(rf"(?<![\w.:-]){re.escape(prefix)}:", body):
            found.append(f"préfixe {prefix}: déclaré mais jamais utilisé")
    for m in FULL_IRI.finditer(body):
        iri = m.group("iri")
        for prefix, ns in table.items():
            local = iri[len(ns) :]
            if iri.startswith(ns) and PLAIN_LOCAL.fullmatch(local):
                found.append(f"<{iri}> écrit en entier: utiliser {prefix}:{local}")
    return found


def test_the_table_is_found():
    table = prefixes()
    assert table["cdv"] == "https://w3id.org/contrats-de-ville/ontologie#"
    assert len(set(table.values())) == len(table), "deux préfixes pour un même espace de noms"
    assert any(p.suffix == ".rq" for p in FILES) and any(p.parent.name == "ttl" for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(current().root)) for p in FILES])
def test_file_uses_the_prefix_table(path):
    assert problems(path) == []


def test_the_checker_catches_deviations(tmp_path):
    bad = tmp_path / "x.ttl"
    bad.write_text(
        "@prefix cdv: <https://w3id.org/contrats-de-ville/ontologie#> .\n"
        "@prefix skos: <http://www.w3.org/2008/05/skos#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "cdv:A skos:note <https://w3id.org/contrats-de-ville/id/commune/94017> .\n"
        "ex:a a cdv:B .\n",
        encoding="utf-8",
    )
    found = problems(bad)
    assert any("skos: lié à" in p for p in found)
    assert any("ex: hors de la table" in p for p in found)
    assert any("owl: déclaré mais jamais utilisé" in p for p in found)
    assert any("utiliser commune:94017" in p for p in found)
