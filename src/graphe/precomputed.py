"""The named questions' answers with their default parameters, computed once by ``graphe build``.

Why: a release never changes, so ``/queries/{name}`` with its defaults asks the same thing of
the same data every time. At France's size a national listing (2,400 to 18,600 rows) costs
the engine 0.15 to 2 s on each call, however few rows a page shows: it must produce and sort
every row (Oxigraph server is as slow). Evaluated once at build time, these answers are
served as files; any other parameter value still goes to the engine.

Layout, in ``dist/reponses/`` (:data:`DIRECTORY`):

- ``index.json``: what the answers hold true for — the dataset's version (sha256 of
  ``dataset.nq``), the kind of store (in memory or the on-disk base: the order of rows that
  tie under ORDER BY is each engine's), the page size, the row cap, the base IRI and the prefix
  table — and for each file the exact query text it answers, its rows and whether it was cut;
- ``<name>/<page>.<format>``: the bodies in SPARQL JSON, CSV, TSV and XML, for the whole
  answer (``tout``, up to the row cap) and for every page (graphe.paging).

Exactly the engine's bytes: each question is evaluated once, whole, by the store the server
would open; Oxigraph writes it in SPARQL JSON; a page is the slice of that answer its
``LIMIT``/``OFFSET`` gives after the question's ORDER BY, written by the writers graphe.store
uses (graphe.results). tests/endpoint/test_precomputed.py compares every question × format
× page with the engine's answer. The server uses the files only when everything in the index
matches it (:func:`open_for`): a stale or foreign file is never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import weakref
from dataclasses import dataclass
from pathlib import Path

from graphe import diskstore, paging, queries, results
from graphe.namespaces import SERVICE_IRI
from graphe.project import Project, current
from graphe.store import DEFAULT_ROW_LIMIT, Result, make_store

log = logging.getLogger("graphe.precomputed")

DIRECTORY = "reponses"
INDEX = "index.json"
#: the table formats a question's answer is offered in (the HTML page is made from the JSON)
FORMATS = ("json", "csv", "tsv", "xml")
MEMORY, DISK = "oxigraph-memoire", "oxigraph-disque"


def store_kind(spec: str) -> str | None:
    """``oxigraph-memoire`` / ``oxigraph-disque`` for a graphe.store spec; None for any other
    engine (rdflib, a remote service), which the files do not speak for."""
    if spec == "oxigraph":
        return MEMORY
    if spec.startswith("oxigraph:"):
        return DISK
    return None


def table_digest(prefixes: dict[str, str]) -> str:
    """The prefix table a query's undeclared prefixes resolve against, as one short digest."""
    return hashlib.sha256(json.dumps(prefixes, sort_keys=True).encode()).hexdigest()[:16]


# --- at build time -------------------------------------------------------------------------


def write(dist: Path, project: Project | None = None, *, page_size: int = paging.PAGE_SIZE,
          row_limit: int = DEFAULT_ROW_LIMIT) -> dict:
    """Evaluate every named question with its defaults on ``dist``'s data and write
    ``dist/reponses/``, as ``graphe serve`` with its default settings would answer them.

    The store is the one the server would pick for this ``dist`` (the on-disk base when the
    build prepared one). Returns the index. A question the engine refuses is left out (the
    server then asks the engine, which answers its error as usual).
    """
    project = project or current()
    nquads = dist / "dataset.nq"
    location = dist / "oxigraph"
    on_disk = location.is_dir() and diskstore.wanted(nquads)
    spec = f"oxigraph:{location}" if on_disk else "oxigraph"
    store = make_store(spec, prefixes=project.prefixes).load(nquads)
    written: dict[str, dict] = {}
    index = {
        "version": diskstore.version(nquads, location if on_disk else None),
        "magasin": DISK if on_disk else MEMORY,
        "taille_page": page_size,
        "limite": row_limit,
        "base": SERVICE_IRI,
        "prefixes": table_digest(project.prefixes),
        "reponses": written,
    }
    tmp = dist / f".{DIRECTORY}-en-cours"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for query in queries.catalogue(project.queries):
        try:
            entries = _question(store, query, tmp, page_size, row_limit)
        except Exception as exc:  # noqa: BLE001 - one question must not stop the release; the engine answers it
            log.warning("réponse de « %s » non précalculée : %s", query.name, exc)
            continue
        written.update({e.pop("texte"): e for e in entries})
    (tmp / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(dist / DIRECTORY, ignore_errors=True)
    tmp.rename(dist / DIRECTORY)
    return index


def _question(store, query: queries.NamedQuery, out: Path, size: int, cap: int) -> list[dict]:
    """The files of one question: its whole answer (``tout``) and each of its pages."""
    text = query.bind({})
    checked = store.check(text)
    if checked.form != "SELECT":
        return []
    whole = store.query(checked, format="json", row_limit=None).body  # every row, Oxigraph's bytes
    document = json.loads(whole)
    variables = document["head"]["vars"]
    bindings = document["results"]["bindings"]
    (out / query.name).mkdir()
    parts = [("tout", checked.text, bindings)]
    if paging.pageable(text):
        for page in range(1, len(bindings) // size + 2):  # up to the first page not full (perhaps empty)
            paged = store.check(paging.paged(text, page, size)).text
            parts.append((str(page), paged, bindings[(page - 1) * size: page * size]))
    entries = []
    for label, key, rows in parts:
        truncated = len(rows) > cap
        kept = rows[:cap] if truncated else rows
        body = whole if len(kept) == len(bindings) else _json(variables, kept)
        terms = [tuple(_term(b.get(v)) for v in variables) for b in kept]
        for fmt in FORMATS:
            data = body if fmt == "json" else results.write_solutions(variables, terms, fmt)
            (out / query.name / f"{label}.{fmt}").write_bytes(data)
        entries.append({"texte": key, "question": query.name, "partie": label, "lignes": len(kept),
                        "tronquee": truncated})
    return entries


def _json(variables: list[str], bindings: list[dict]) -> bytes:
    """SPARQL JSON as Oxigraph writes it (compact, keys in its order): graphe.results.engine_json
    cuts an answer past the row cap the same way."""
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _term(binding: dict | None) -> tuple | None:
    """A SPARQL JSON term as graphe.results.ox_term makes it from the engine's own term."""
    if binding is None:
        return None
    if binding["type"] == "literal":
        datatype = binding.get("datatype")
        if datatype in (results.XSD_STRING, results.RDF_LANGSTRING):
            datatype = None
        return ("literal", binding["value"], datatype, binding.get("xml:lang"))
    return (binding["type"], binding["value"])


# --- when serving --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    question: str
    part: str
    rows: int
    truncated: bool


class Answers:
    """The precomputed answers a server may give: by the exact query text it would run.

    Files are opened relative to the directory whose index was checked (a descriptor kept
    open), not by path: a build that swaps ``dist/`` under a running server moves that
    directory away and removes it, so the server reads its own release's files or none (the
    engine then answers), never the next release's.
    """

    def __init__(self, directory: Path, fd: int, entries: dict[str, _Entry]):
        self.directory = directory
        self.fd = fd
        self.entries = entries
        self.served = 0  # answers given from the files (for tests and the benchmark)
        weakref.finalize(self, os.close, fd)

    def get(self, text: str, fmt: str) -> Result | None:
        """The answer to ``text`` in ``fmt`` as the engine would write it, or None (not here)."""
        entry = self.entries.get(text)
        if entry is None or fmt not in FORMATS:
            return None
        try:
            body = _read(self.fd, f"{entry.question}/{entry.part}.{fmt}")
        except OSError as exc:
            log.warning("réponse précalculée illisible (%s) : le moteur répond.", exc)
            return None
        self.served += 1
        return Result(body, fmt, "SELECT", entry.rows, entry.truncated)


def open_for(dist: Path, version: str, spec: str, page_size: int, row_limit: int, base: str | None,
             prefixes: dict[str, str]) -> Answers | None:
    """The answers of ``dist/reponses/`` if they were computed for exactly what this server
    serves; None otherwise (and the reason in the log): then the engine answers everything."""
    directory = Path(dist) / DIRECTORY
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None  # no answers written (an older build, or none)
    try:
        index = json.loads(_read(fd, INDEX))
    except (OSError, ValueError) as exc:
        os.close(fd)
        log.warning("%s illisible (%s) : les questions iront au moteur.", directory / INDEX, exc)
        return None
    wanted = {"version": version, "magasin": store_kind(spec), "taille_page": page_size, "limite": row_limit,
              "base": base or SERVICE_IRI, "prefixes": table_digest(prefixes)}
    differ = [k for k, v in wanted.items() if index.get(k) != v]
    if differ:
        os.close(fd)
        log.info("réponses précalculées écartées (%s diffère) : les questions iront au moteur.", ", ".join(differ))
        return None
    entries = {text: _Entry(e["question"], e["partie"], e["lignes"], e["tronquee"])
               for text, e in index.get("reponses", {}).items()}
    return Answers(directory, fd, entries)


def _read(fd: int, name: str) -> bytes:
    """The bytes of ``name`` inside the directory open as ``fd``."""
    with open(os.open(name, os.O_RDONLY, dir_fd=fd), "rb") as f:
        return f.read()


def lookup(rt, checked, fmt: str) -> Result | None:
    """The precomputed answer of a named question's checked query in ``fmt``, if there is one."""
    answers = getattr(rt, "answers", None)
    if answers is None or checked.default_graphs is not None:
        return None
    return answers.get(checked.text, fmt)


async def run(rt, checked, fmt: str, timeout: float, row_limit: int) -> Result:
    """The precomputed answer, else the engine's (the named questions' HTML page)."""
    ready = lookup(rt, checked, fmt)
    if ready is not None:
        return ready
    return await rt.executor.run(checked, format=fmt, timeout=timeout, row_limit=row_limit)
