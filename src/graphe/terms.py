"""Terms across libraries: rdflib's terms as graphe's neutral tuples or as pyoxigraph terms.

rdflib parses and reasons, pyoxigraph serialises and queries fast; both the rdflib store and
the dump writers cross between them, through these functions only.
"""

from __future__ import annotations

import pyoxigraph as ox

from graphe import results


def rdflib_term(term) -> results.Term:
    """The neutral tuple of an rdflib term."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term))
    if isinstance(term, BNode):
        return ("bnode", str(term))
    if isinstance(term, Literal):
        dt = str(term.datatype) if term.datatype is not None else None
        return ("literal", str(term), None if dt == results.XSD_STRING else dt, term.language)
    return ("literal", str(term), None, None)


def to_ox(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


def ox_triple(triple) -> ox.Triple:
    """An rdflib triple as a pyoxigraph Triple (to write it with Oxigraph's serialisers)."""
    s, p, o = triple
    return ox.Triple(to_ox(s), to_ox(p), to_ox(o))


def from_ox(term):
    """A pyoxigraph term as the rdflib term rdflib's own parser would have made: a plain
    string stays without datatype (``"x"``, not ``"x"^^xsd:string``)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == results.XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
