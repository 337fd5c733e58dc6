"""Anchoring facts to their passage in the annex, and checking the anchors.

A passage is a Web Annotation ``oa:SpecificResource`` on a source document (``oa:hasSource``,
a ``cdv:Document`` whose ``dcterms:identifier`` is its file under ``data/source/``) with two
selectors describing the same text: ``oa:TextQuoteSelector`` (``oa:exact``) and
``oa:TextPositionSelector`` (``oa:start``/``oa:end``: 0-based code-point offsets, end
exclusive, in that file). Curators write passages with
``graphe passage "quote"``, which prints the Turtle block with the offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from graphe.errors import DataError, ProvenanceError
from graphe.namespaces import readable
from graphe.project import current

if TYPE_CHECKING:  # rdflib is loaded by the functions that read an rdflib graph, not by the server's start
    from rdflib import Graph, URIRef


def source_text(path: Path | None = None) -> str:
    """The text of a source document (default: the first of ``data/source/``, the annex)."""
    if path is None:
        path = current().default_source()
    try:
        stat = path.stat()
    except OSError:
        raise DataError(f"{path}: document source introuvable") from None
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _read(path: Path, mtime_ns: int, size: int) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: document source illisible : {exc}") from None


def locate(quote: str, after: int = 0, text: str | None = None) -> tuple[int, int]:
    """Offsets of the first occurrence of ``quote`` at or after ``after``.

    >>> t = "Le PRE et le PRE."
    >>> locate("PRE", text=t), locate("PRE", after=4, text=t)
    ((3, 6), (13, 16))
    """
    text = source_text() if text is None else text
    start = text.find(quote, after)
    if start < 0:
        raise ProvenanceError(f"citation absente du document source (après la position {after}) : {quote!r}")
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
    source: URIRef | None = None  # the document (oa:hasSource)

    def problem(self, text: str) -> str | None:
        """Why this anchor is wrong in ``text`` (with where the quote really is), or None.

        >>> Anchor(None, "PRE", 0, 3).problem("Le PRE.")
        "à 0–3 le document dit 'Le ', pas 'PRE' ; la citation est à oa:start 3 ; oa:end 6"
        """
        if 0 <= self.start < self.end <= len(text):
            found = text[self.start : self.end]
            if found == self.exact:
                return None
            wrong = f"à {self.start}–{self.end} le document dit {_clip(found)!r}, pas {_clip(self.exact)!r}"
        else:
            wrong = f"positions {self.start}–{self.end} hors du texte (longueur {len(text)})"
        right = self.nearest(text)
        if right is None:
            return f"{wrong} ; citation absente du document"
        return f"{wrong} ; la citation est à oa:start {right} ; oa:end {right + len(self.exact)}"

    def nearest(self, text: str) -> int | None:
        """The occurrence of the quote in ``text`` closest to the stated start, or None."""
        best, i = None, text.find(self.exact) if self.exact else -1
        while i >= 0:
            if best is None or abs(i - self.start) < abs(best - self.start):
                best = i
            i = text.find(self.exact, i + 1)
        return best


def _clip(text: str, width: int = 60) -> str:
    """A long quote cut in the middle, enough to recognise it in a message."""
    return text if len(text) <= width else f"{text[: width // 2]}…{text[-width // 2 :]}"


def anchors(graph: Graph) -> list[Anchor]:
    """Every (quote, offsets) pair the graph states, one per oa:SpecificResource."""
    from rdflib import URIRef

    from graphe.namespaces import OA

    found = []
    for target in set(graph.subjects(OA.hasSelector, None)):
        exact = start = end = None
        source = graph.value(target, OA.hasSource)
        for sel in graph.objects(target, OA.hasSelector):
            exact = graph.value(sel, OA.exact, default=exact)
            start = graph.value(sel, OA.start, default=start)
            end = graph.value(sel, OA.end, default=end)
        if exact is None or start is None or end is None:
            raise ProvenanceError(f"passage incomplet (citation ou positions manquantes): {target}")
        found.append(Anchor(target, str(exact), int(start), int(end), source if isinstance(source, URIRef) else None))
    return found


def verdict(anchor, docs: dict) -> str | None:
    """What is wrong with ``anchor`` (None: its quote is at its offsets in its document, one of
    ``docs``): the one wording ``graphe build`` and ``graphe validate`` both report."""
    if anchor.source not in docs:
        iri = getattr(anchor.source, "value", anchor.source)  # an Oxigraph term (the build) or rdflib's
        name = readable(str(iri)) if iri is not None else "(aucune)"
        return f"source {name} inconnue : aucun cdv:Document n'a de fichier sous data/source/"
    return anchor.problem(source_text(docs[anchor.source]))


def report(found, docs: dict, describe_target, anchors_in, files, project, only=None) -> tuple[int, list[str]]:
    """How many of the anchors ``found`` hold, and one French line per anchor whose quote is not at
    its offsets: the file stating it, the resource it anchors (``describe_target``), what is wrong
    and where the quote really is. ``graphe build`` (Oxigraph terms) and ``graphe validate``
    (rdflib terms) both report with it.

    Which of ``files`` states an anchor is found by reading each alone (``anchors_in``), only when
    a line needs it or ``only`` (report the anchors stated in these files alone) asks: reading
    every file again costs minutes at France's size.
    """
    stated_in: dict[tuple, Path] | None = None

    def key(a) -> tuple:
        return a.exact, a.start, a.end, str(a.source)

    def where_stated(a) -> Path | None:
        nonlocal stated_in
        if stated_in is None:
            stated_in = {}
            for f in files:
                for b in anchors_in(f):
                    stated_in.setdefault(key(b), f)
        return stated_in.get(key(a))

    wanted = {Path(p).resolve() for p in only} if only is not None else None
    held, lines = 0, []
    for a in found:
        if wanted is not None and ((where := where_stated(a)) is None or where.resolve() not in wanted):
            continue
        problem = verdict(a, docs)
        if problem is None:
            held += 1
            continue
        where = where_stated(a)
        lines.append(f"{project.relative(where) if where else '?'}: {describe_target(a.target)}: {problem}")
    return held, sorted(lines)


def describe(graph: Graph, target) -> str:
    """A readable name for a passage node: the resource it anchors (``objectif:x › cdv:passage``)
    or, for a mention's target, the resource and the name mentioned."""
    from graphe.namespaces import CDV, OA

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
    from rdflib import URIRef

    if isinstance(term, URIRef):
        return readable(str(term))
    return "[nœud anonyme]" if term is not None else "?"


def check(graph: Graph, text: str | None = None) -> list[str]:
    """Problems with the graph's anchors, one readable line each; empty when all hold."""
    text = source_text() if text is None else text
    return sorted(f"{describe(graph, a.target)}: {p}" for a in anchors(graph) if (p := a.problem(text)))
