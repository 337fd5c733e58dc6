"""The JSON-LD dump written from the build's Oxigraph store, one node at a time.

The bytes of :func:`graphe.build.dumps.to_jsonld` (flattened, one node object per subject per
graph, sorted, IRIs compacted by the prefix table, ``indent=1``), but streamed: each graph's
subjects are sorted, then each subject's triples are read and its node object written, so memory holds one node rather than the whole document (a few GB of Python
dicts at France's size).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pyoxigraph as ox

from graphe.namespaces import prefixes

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
NODE_INDENT = "    "  # document › @graph › graph › @graph › node: four levels of indent=1
_string = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def compactor(table: dict[str, str]):
    """IRIs as prefixed names by the project's prefix table, longest namespace first.

    Memoised by the IRI's head (up to its last ``/`` or ``#``): when every namespace ends with
    one of them, the longest namespace an IRI starts with is the longest its head starts with,
    and a national dataset has a few thousand heads for millions of IRIs."""
    by_length = sorted(table.items(), key=lambda kv: -len(kv[1]))

    def full(iri: str) -> str:
        for prefix, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    if not all(ns.endswith(("/", "#")) for ns in table.values()):
        return functools.cache(full)

    @functools.cache
    def for_head(head: str) -> tuple[int, str] | None:
        for prefix, ns in by_length:
            if head.startswith(ns) and not head[len(ns):].startswith("//"):
                return len(ns), prefix
        return None

    def compact(iri: str) -> str:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        found = for_head(iri[:cut])
        if found is None:
            return iri
        if found[0] == len(iri):  # the IRI is a namespace itself: a shorter one may fit
            return full(iri)
        return f"{found[1]}:{iri[found[0]:]}"

    return compact


def write(store: ox.Store, graphs: list[ox.NamedNode], out: Path) -> None:
    """``out``: the named ``graphs`` of ``store`` (publication order) in JSON-LD."""
    table = prefixes()
    compact = compactor(table)
    opening = json.dumps({"@context": dict(table), "@graph": []}, ensure_ascii=False, indent=1)
    assert opening.endswith('"@graph": []\n}')
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(opening[: -len("[]\n}")] + "[\n")
        for i, graph in enumerate(graphs):
            fh.write(",\n" if i else "")
            fh.write(f'  {{\n   "@id": {json.dumps(compact(graph.value), ensure_ascii=False)},\n   "@graph": [\n')
            first = True
            for node in _nodes(store, graph, compact):
                fh.write(node if first else ",\n" + node)
                first = False
            fh.write("\n   ]\n  }")
        fh.write("\n ]\n}\n")


def _nodes(store: ox.Store, graph: ox.NamedNode, compact):
    """The node objects of one graph, by subject, as text.

    The subjects sorted here, then each one's triples looked up: SPARQL's ORDER BY over the
    graph cost seven times as much (it sorts every row by its subject's string)."""
    subjects = {q.subject.value: q.subject for q in store.quads_for_pattern(None, None, None, graph)}
    for subject in sorted(subjects):
        properties: dict[str, list] = {}
        for q in store.quads_for_pattern(subjects[subject], None, None, graph):
            properties.setdefault(q.predicate.value, []).append(q.object)
        yield _node(subject, properties, compact)


def _node(subject: str, properties: dict[str, list], compact) -> str:
    """One node object as ``json.dumps(node, ensure_ascii=False, indent=1)`` writes it at its depth.

    Written here rather than by ``json.dumps``: with ``indent`` the json module falls back to its
    pure-Python encoder, three quarters of the dump's time. Only strings are encoded, by the
    module's own C function, so the characters are escaped as ``json.dumps`` would."""
    at = NODE_INDENT
    parts = [at, "{\n", at, ' "@id": ', _string(compact(subject))]
    types = sorted(compact(o.value) for o in properties.get(RDF_TYPE, ()))
    if types:
        parts += [",\n", at, ' "@type": [\n', ",\n".join(f"{at}  {_string(t)}" for t in types), "\n", at, " ]"]
    for p in sorted(properties):
        if p == RDF_TYPE:
            continue
        values = sorted((_value(o, compact) for o in properties[p]), key=_sort_key)
        objects = ",\n".join(
            f"{at}  {{\n" + ",\n".join(f"{at}   {_string(k)}: {_string(v)}" for k, v in value.items()) + f"\n{at}  }}"
            for value in values
        )
        parts += [",\n", at, " ", _string(compact(p)), ": [\n", objects, "\n", at, " ]"]
    parts += ["\n", at, "}"]
    return "".join(parts)


def _value(o, compact) -> dict:
    if isinstance(o, ox.Literal):
        v: dict = {"@value": o.value}
        if o.language:
            v["@language"] = o.language
        elif o.datatype.value != XSD_STRING:
            v["@type"] = compact(o.datatype.value)
        return v
    return {"@id": compact(o.value)}


def _sort_key(v: dict) -> tuple:
    return tuple(sorted(v.items()))
