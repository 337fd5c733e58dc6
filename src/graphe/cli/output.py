"""What the commands print: aligned tables and terms as a person reads them."""

from __future__ import annotations


def table(headers: list[str], rows: list[list[str]]) -> str:
    """An aligned text table; newlines in cells are shown as ``⏎``.

    >>> print(table(["a", "bb"], [["1", "x"], ["22", "y"]]), end="")
    a   bb
    --  --
    1   x
    22  y
    """
    rows = [[c.replace("\n", "⏎") for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

    out = line(headers) + line(["-" * w for w in widths])
    return out + "".join(line(r) for r in rows)


def compact(nt_or_iri: str) -> str:
    """An IRI (``<…>`` or bare) as a prefixed name when the prefix table has one."""
    from graphe.namespaces import curie

    iri = nt_or_iri[1:-1] if nt_or_iri.startswith("<") else nt_or_iri
    return curie(iri) or iri


def json_cell(term: dict | None) -> str:
    """A SPARQL JSON term as a person reads it: compact IRI, literal value."""
    if term is None:
        return ""
    if term["type"] == "uri":
        return compact(term["value"])
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    return term["value"]


def term_cell(term) -> str:
    """A pyoxigraph term as a person reads it: compact IRI, literal value."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value
