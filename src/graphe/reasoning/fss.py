"""The ABox of a module in OWL functional syntax, which the OWL API reads faster than N-Triples.

The OWL API turns N-Triples into axioms by matching triple patterns over the whole file; a
functional-syntax file is read axiom by axiom (on a 108 k-line module, HermiT's ``-k`` took
3.8 s of CPU instead of 5.1 s). So a module is two files: ``module-k.nt`` with the TBox and
whatever functional syntax cannot say by itself (a class assertion whose class is a union
written as blank nodes in the TBox), and ``module-k.ofn``, the rest of its assertions, which
imports the first. Anonymous individuals are given IRIs before (Partition._term): an
individual named in both files is then the same one.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_NAMED_INDIVIDUAL = ox.NamedNode("http://www.w3.org/2002/07/owl#NamedIndividual")


def header(k: int, imported: Path) -> str:
    """The opening of module ``k``'s functional-syntax file, importing its N-Triples part."""
    return f"Ontology(<urn:x-graphe:module-{k}>\nImport({ox.NamedNode(imported.resolve().as_uri())})\n"


FOOTER = ")\n"


def literal(value: ox.Literal) -> str:
    """A literal as functional syntax writes it (only ``"`` and ``\\`` are escaped)."""
    text = '"' + value.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value.language:
        return f"{text}@{value.language}"
    if value.datatype.value == _XSD_STRING:
        return text
    return f"{text}^^{value.datatype}"


def class_assertion(node, cls) -> str | None:
    """``node`` in ``cls``; None when ``cls`` is a class expression (blank node): N-Triples says it."""
    if isinstance(cls, ox.BlankNode):
        return None
    if cls == _NAMED_INDIVIDUAL:
        return ""  # a declaration: nothing to check
    return f"ClassAssertion({cls} {node})\n"


def property_assertion(subject, predicate, object_, data: bool) -> str | None:
    """An object or data property assertion; None when the triple is neither (N-Triples says it)."""
    if data and isinstance(object_, ox.Literal):
        return f"DataPropertyAssertion({predicate} {subject} {literal(object_)})\n"
    if not data and not isinstance(object_, ox.Literal):
        return f"ObjectPropertyAssertion({predicate} {subject} {object_})\n"
    return None
