"""Full-text search over the graph: an SQLite FTS5 index with a light French analysis.

``graphe build`` writes ``dist/recherche.sqlite`` (:func:`write_index`) from the query
``queries/pages/recherche-index.rq`` run on the built dataset; the server answers
``/recherche`` from it (:func:`search`). Why FTS5: it ships with Python's sqlite3 (no new
dependency, no service), ranks with BM25 and answers in well under a millisecond at the
annex's size, where a SPARQL ``CONTAINS`` scan neither ranks nor folds plurals.

The analysis is the same on both sides: Unicode folding (case, accents, œ/æ, as FTS5's
``unicode61 remove_diacritics 2`` does), then a light French stemming of each word (plural
``-s``/``-x``, ``-aux`` → ``-al``, ``-eaux`` → ``-eau``), so ``reussite educative`` finds
« réussite éducative », ``bailleur`` finds « bailleurs » and ``PRE`` finds the programme by
its acronym. The indexed columns hold the analysed words; the shown texts are kept apart.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import unicodedata
from functools import lru_cache
from pathlib import Path

from graphe import queries
from graphe.project import Project, current

INDEX_FILE = "recherche.sqlite"
#: The query that lists what the index holds, under the project's ``queries/``.
QUERY = Path("pages") / "recherche-index.rq"
_WORD = re.compile(r"\w+")
STOPWORDS = frozenset("a au aux d de des du en et l la le les un une sur pour par dans avec ou".split())
#: The heading of each kind of result.
KINDS = [
    ("commune", "Communes"), ("partenaire", "Partenaires"), ("dispositif", "Dispositifs"),
    ("theme", "Thèmes"), ("quartier", "Quartiers"), ("contrat", "Contrats"), ("enjeu", "Enjeux transversaux"),
    ("axe", "Axes"), ("objectif", "Objectifs"), ("action", "Actions"), ("evenement", "Événements"),
    ("chiffre", "Chiffres"),
]


def fold(text: str) -> str:
    """Lower case, no accents, ligatures split.

    >>> fold("Réussite ÉDUCATIVE, œuvre")
    'reussite educative, oeuvre'
    """
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def stem(word: str) -> str:
    """The light French stem of a folded word (the same on both sides, so "prix" → "pri" is harmless).

    >>> [stem(w) for w in ("bailleurs", "sociaux", "bureaux", "pre", "prix", "acces")]
    ['bailleur', 'social', 'bureau', 'pre', 'pri', 'acce']
    """
    if len(word) <= 3:
        return word
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux") and len(word) > 4:
        return word[:-3] + "al"
    if word.endswith(("s", "x")):
        return word[:-1]
    return word


def analyse(text: str) -> list[str]:
    """The indexed words of ``text``: folded, stemmed."""
    return [stem(w) for w in _WORD.findall(fold(text))]


def terms(query: str) -> list[str]:
    """The words of a search, without the French function words (unless nothing else is left)."""
    words = analyse(query)
    kept = [w for w in words if w not in STOPWORDS]
    return list(dict.fromkeys(kept or words))


# ------------------------------------------------------------------------------- the index


def write_index(nquads, out: Path, project: Project | None = None) -> int:
    """Build the index of the dataset ``nquads`` into the file ``out``; the number of documents.

    ``nquads``: the dump's path, or a pyoxigraph Store holding it already (the build's: no
    second copy of the dataset in memory)."""
    import pyoxigraph as ox

    if isinstance(nquads, ox.Store):
        store = nquads
    else:
        store = ox.Store()
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    text = queries.NamedQuery.from_file((project or current()).queries / QUERY).text
    solutions = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    rows = [{n: (s[n].value if s[n] is not None else "") for n in names} for s in solutions]
    if out.exists():
        out.unlink()
    db = sqlite3.connect(out)
    try:
        db.execute(
            "CREATE VIRTUAL TABLE documents USING fts5("
            "noms, texte, sorte UNINDEXED, iri UNINDEXED, affichage UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        for r in rows:
            names = " | ".join(x for x in (r["libelle"], r.get("noms", ""), r.get("nomsAnnexe", "")) if x)
            body = "\n".join(x for x in (r.get("sortes", ""), r.get("textes", "")) if x)
            shown = {k: r.get(k, "") for k in ("libelle", "noms", "textes", "sortes", "commune", "debut", "fin")}
            db.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
                (" ".join(analyse(names)), " ".join(analyse(body)), r["genre"], r["ressource"], json.dumps(shown, ensure_ascii=False)),
            )
        db.commit()
    finally:
        db.close()
    return len(rows)


# ------------------------------------------------------------------------------- searching


def match_expression(words: list[str]) -> str:
    """The FTS5 query: every word, as a prefix when it has four letters or more.

    >>> match_expression(["reussite", "pre"])
    '"reussite"* AND "pre"'
    """
    return " AND ".join(f'"{w}"*' if len(w) >= 4 else f'"{w}"' for w in words)


def search(index: Path, query: str, per_kind: int = 25) -> list[dict]:
    """Results grouped by kind, the kind of the best match first: ``[{kind, heading, total, hits}]``."""
    words = terms(query)
    if not words:
        return []
    db = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    try:
        found = db.execute(
            "SELECT sorte, iri, affichage FROM documents WHERE documents MATCH ? ORDER BY bm25(documents, 10.0, 1.0)",
            (match_expression(words),),
        ).fetchall()
    finally:
        db.close()
    groups: dict[str, list] = {}
    for kind, iri, shown in found:
        groups.setdefault(kind, []).append({"iri": iri, **json.loads(shown)})
    headings = dict(KINDS)
    return [
        {"kind": k, "heading": headings.get(k, k), "total": len(hits), "hits": hits[:per_kind]}
        for k, hits in groups.items()
    ]


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The analysed form of one word as written (cached: the same words come back in every answer)."""
    return stem(fold(word))


def matches(word: str, words: list[str]) -> bool:
    key = word_key(word)
    return any(key == w or (len(w) >= 4 and key.startswith(w)) for w in words)


def highlight(text: str, words: list[str]) -> str:
    """``text`` as HTML, the words matching the search inside ``<mark>``.

    >>> highlight("Les bailleurs & l'État", ["bailleur", "etat"])
    'Les <mark>bailleurs</mark> &amp; l&#x27;<mark>État</mark>'
    """
    out, last = [], 0
    for m in _WORD.finditer(text):
        if matches(m.group(), words):
            out.append(html.escape(text[last:m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(text: str, words: list[str], width: int = 110) -> str:
    """The part of a long text around its first matching word, highlighted."""
    if len(text) <= 2 * width:
        return highlight(text, words)
    for m in _WORD.finditer(text):
        if matches(m.group(), words):
            start = max(0, m.start() - width)
            end = min(len(text), m.end() + width)
            return ("…" if start else "") + highlight(text[start:end], words) + ("…" if end < len(text) else "")
    return highlight(text[: 2 * width], words) + "…"
