"""Skolemisation in the build's Oxigraph store: the same names as :mod:`graphe.build.skolem`.

The names hash each blank node's triples written as rdflib's ``Term.n3()`` writes them, so the
Skolem IRIs — part of every dump, and of the dataset's version — stay what they were when the
build held rdflib terms: :func:`n3` writes an Oxigraph term that way (rdflib puts a literal
holding a line break between triple quotes, and escapes fewer characters than N-Triples).
Only the quads that touch a blank node are kept out of the store's scan (three in four at
France's size: every passage and selector); they are replaced in place.
"""

from __future__ import annotations

import pyoxigraph as ox

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


def skolemize(store: ox.Store) -> int:
    """Replace every blank node of ``store`` by its Skolem IRI; how many blank nodes there were."""
    written: dict = {}

    def key(term):
        if isinstance(term, ox.BlankNode):
            return term
        found = written.get(term)
        if found is None:
            found = written[term] = n3(term)
        return found

    blank = ox.BlankNode
    rows = [q for q in store.quads_for_pattern(None, None, None) if isinstance(q.subject, blank) or isinstance(q.object, blank)]
    keyed = [(key(q.subject), key(q.predicate), key(q.object), str(q.graph_name)[1:-1]) for q in rows]
    written.clear()
    names = skolem_names(keyed, blank=lambda t: isinstance(t, blank), n3=lambda t: t)
    del keyed
    iris = {b: ox.NamedNode(GENID + name) for b, name in names.items()}

    def sk(term):
        return iris[term] if isinstance(term, blank) else term

    store.update(_DELETE)
    store.extend(ox.Quad(sk(q.subject), q.predicate, sk(q.object), q.graph_name) for q in rows)
    return len(iris)
