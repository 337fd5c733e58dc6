"""Anchoring facts to their passage in the annex, and checking the anchors.

A passage is a Web Annotation ``oa:SpecificResource`` on ``document:annexe-1`` with two
selectors describing the same text: ``oa:TextQuoteSelector`` (``oa:exact``) and
``oa:TextPositionSelector`` (``oa:start``/``oa:end``: 0-based code-point offsets, end
exclusive, in ``data/source/annexe-1-contrats-de-ville.md``). Curators write passages with
``graphe passage "quote"``, which prints the Turtle block with the offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef

from graphe import paths
from graphe.errors import ProvenanceError
from graphe.namespaces import CDV, OA, curie


@lru_cache(maxsize=1)
def source_text() -> str:
    return paths.SOURCE.read_text(encoding="utf-8")


def locate(quote: str, after: int = 0, text: str | None = None) -> tuple[int, int]:
    """Offsets of the first occurrence of ``quote`` at or after ``after``.

    >>> t = "Le PRE et le PRE."
    >>> locate("PRE", text=t), locate("PRE", after=4, text=t)
    ((3, 6), (13, 16))
    """
    text = source_text() if text is None else text
    start = text.find(quote, after)
    if start < 0:
        raise ProvenanceError(f"citation absente de l'annexe (après {after}): {quote!r}")
    return start, start + len(quote)


def turtle_passage(
    quote: str, after: int = 0, indent: str = "    ", text: str | None = None, document: str = "document:annexe-1"
) -> str:
    """The Turtle value of a ``cdv:passage`` for ``quote`` in ``document`` (for curators)."""
    start, end = locate(quote, after, text)
    exact = quote.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return (
        f"[ a oa:SpecificResource ; oa:hasSource {document} ;\n"
        f'{indent}  oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}" ] ,\n'
        f"{indent}    [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ]"
    )


@dataclass(frozen=True)
class Anchor:
    """One quote with its offsets, as stated in the graph."""

    target: URIRef  # the oa:SpecificResource node (or blank node)
    exact: str
    start: int
    end: int

    def problem(self, text: str) -> str | None:
        """Why this anchor is wrong in ``text``, or None when the quote is at its offsets."""
        if not 0 <= self.start < self.end <= len(text):
            return f"positions hors du texte: {self.start}–{self.end} (longueur {len(text)})"
        found = text[self.start : self.end]
        if found != self.exact:
            return f"à {self.start}–{self.end} l'annexe dit {found!r}, pas {self.exact!r}"
        return None


def anchors(graph: Graph) -> list[Anchor]:
    """Every (quote, offsets) pair the graph states, one per oa:SpecificResource."""
    found = []
    for target in set(graph.subjects(OA.hasSelector, None)):
        exact = start = end = None
        for sel in graph.objects(target, OA.hasSelector):
            exact = graph.value(sel, OA.exact, default=exact)
            start = graph.value(sel, OA.start, default=start)
            end = graph.value(sel, OA.end, default=end)
        if exact is None or start is None or end is None:
            raise ProvenanceError(f"passage incomplet (citation ou positions manquantes): {target}")
        found.append(Anchor(target, str(exact), int(start), int(end)))
    return found


def describe(graph: Graph, target) -> str:
    """A readable name for a passage node: the resource it anchors (``objectif:x › cdv:passage``)
    or, for a mention's target, the resource and the name mentioned."""
    owner = next(graph.subjects(CDV.passage, target), None)
    if owner is not None:
        return f"{_short(owner)} › cdv:passage"
    mention = next(graph.subjects(OA.hasTarget, target), None)
    if mention is not None:
        parent = next(graph.subjects(CDV.mention, mention), None)
        body = graph.value(mention, OA.hasBody)
        return f"{_short(parent)} › cdv:mention de {_short(body)}"
    return _short(target)


def _short(term) -> str:
    if isinstance(term, URIRef):
        return curie(str(term)) or f"<{term}>"
    return "[nœud anonyme]" if term is not None else "?"


def check(graph: Graph, text: str | None = None) -> list[str]:
    """Problems with the graph's anchors, one readable line each; empty when all hold."""
    text = source_text() if text is None else text
    return sorted(f"{describe(graph, a.target)}: {p}" for a in anchors(graph) if (p := a.problem(text)))
