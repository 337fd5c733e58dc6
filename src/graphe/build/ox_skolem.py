"""Skolemisation in the build's Oxigraph store: the same names as :mod:`graphe.build.skolem`.

The names hash each blank node's triples written as rdflib's ``Term.n3()`` writes them, so the
Skolem IRIs — part of every dump, and of the dataset's version — stay what they were when the
build held rdflib terms: :func:`n3` writes an Oxigraph term that way (rdflib puts a literal
holding a line break between triple quotes, and escapes fewer characters than N-Triples).
``graphe build`` names them as it reads each file (:func:`read_named`); :func:`skolemize` names
those of a whole store at once.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
from pathlib import Path

import pyoxigraph as ox

from graphe import dataset
from graphe.build.skolem import GENID, skolem_names

_DELETE = (
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }"
)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _quote(value: str) -> str:
    """rdflib's ``Literal._quote_encode``: triple quotes around a value with a line break."""
    if "\n" in value:
        encoded = value.replace("\\", "\\\\")
        if '"""' in value:
            encoded = encoded.replace('"""', '\\"\\"\\"')
        if encoded[-1] == '"' and encoded[-2] != "\\":
            encoded = encoded[:-1] + '\\"'
        return '"""{}"""'.format(encoded.replace("\r", "\\r"))
    return '"{}"'.format(value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r"))


def n3(term) -> str:
    """An Oxigraph IRI or literal as rdflib's ``n3()`` writes the term rdflib's parser makes of it.

    >>> n3(ox.Literal("a\\nb", language="fr")), n3(ox.Literal("3", datatype=ox.NamedNode("urn:t")))
    ('\"\"\"a\\nb\"\"\"@fr', '"3"^^<urn:t>')
    """
    if isinstance(term, ox.Literal):
        quoted = _quote(term.value)
        if term.language:
            return f"{quoted}@{term.language}"
        datatype = term.datatype.value
        return quoted if datatype in (XSD_STRING, LANG_STRING) else f"{quoted}^^<{datatype}>"
    return str(term)


def read_named(files: list[Path], jobs: int | None = None) -> ox.Store:
    """A store of ``files`` (each in its named graph) whose blank nodes are already Skolem IRIs.

    A blank node never leaves its file, so its triples, its parents and its name are all there:
    naming each file's blank nodes as the file is read gives the whole dataset's names while
    holding one file (the whole dataset's blank nodes took gigabytes at France's size, and the
    store held both copies until the old ones were deleted). The one exception — two files
    holding the very same blank node in the very same place, which the names number together —
    is noticed, and the files are then read plainly and named all at once.

    The naming is Python's work, file by file: ``jobs`` processes (default: two when there are
    many files) do it and hand back N-Quads, which this process's store loads.
    """
    from graphe.build import oxstore

    if jobs is None:
        jobs = min(2, os.cpu_count() or 1) if len(files) > 32 else 1
    store = ox.Store()
    bases: set[str] = set()  # every name so far, without its copy number
    with _mapper(jobs) as mapped:
        for path, (error, nquads, here) in zip(files, mapped(_named_file, [str(f) for f in files])):
            if error is not None:
                raise oxstore.refusal(Path(path), ValueError(error))
            if not bases.isdisjoint(here):  # copies across files: the names are the whole dataset's
                del store
                whole = oxstore.load(files)
                skolemize(whole)
                return whole
            bases.update(here)
            store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


@contextlib.contextmanager
def _mapper(jobs: int):
    """``map`` in this process, or an ordered ``imap`` over ``jobs`` forked processes (forked
    before the store exists: nothing of the dataset is copied)."""
    if jobs <= 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield functools.partial(pool.imap, chunksize=16)


def _named_file(path: str) -> tuple[str | None, bytes, list[str]]:
    """One file read and its blank nodes named: (error, N-Quads in its named graph, names without copy number)."""
    blank = ox.BlankNode
    graph = ox.NamedNode(str(dataset.graph_for(Path(path))))
    try:
        quads = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    except (SyntaxError, OSError, ValueError) as exc:
        return str(exc), b"", []
    names = _names([q for q in quads if isinstance(q.subject, blank) or isinstance(q.object, blank)], graph.value)
    iris = {b: ox.NamedNode(GENID + name) for b, name in names.items()}
    named = (ox.Quad(_sk(q.subject, iris), q.predicate, _sk(q.object, iris), graph) for q in quads)
    return None, ox.serialize(named, format=ox.RdfFormat.N_QUADS), sorted({n.split("-")[0] for n in names.values()})


def skolemize(store: ox.Store) -> int:
    """Name the blank nodes of the whole store at once (the quads that touch one, read by a scan)."""
    blank = ox.BlankNode
    rows = [q for q in store.quads_for_pattern(None, None, None) if isinstance(q.subject, blank) or isinstance(q.object, blank)]
    names = _names(rows)
    iris = {b: ox.NamedNode(GENID + name) for b, name in names.items()}
    store.update(_DELETE)
    store.extend(ox.Quad(_sk(q.subject, iris), q.predicate, _sk(q.object, iris), q.graph_name) for q in rows)
    return len(iris)


def _names(rows: list[ox.Quad], graph: str | None = None) -> dict:
    """The Skolem names of the blank nodes of ``rows`` (in ``graph``, or each in its own)."""
    written: dict = {}

    def key(term):
        if isinstance(term, ox.BlankNode):
            return term
        found = written.get(term)
        if found is None:
            found = written[term] = n3(term)
        return found

    keyed = [(key(q.subject), key(q.predicate), key(q.object), graph or q.graph_name.value) for q in rows]
    return skolem_names(keyed, blank=lambda t: isinstance(t, ox.BlankNode), n3=lambda t: t)


def _sk(term, iris: dict):
    return iris[term] if isinstance(term, ox.BlankNode) else term


