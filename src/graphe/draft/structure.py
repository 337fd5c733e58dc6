"""Reading the contract's structure off the blocks: contract, enjeux, axes, objectives, actions.

The rules are the annex's own conventions, written down (docs/modelling.md §7):

- a heading that says "Orientations et objectifs du contrat de ville de la commune de X" opens
  X's contract; its introductory paragraphs belong to the contract's passage, and a list that a
  paragraph announces as "enjeux … :" is the contract's enjeux transversaux;
- an axis is a title-like line with an arrow (➤), a heading without a number, or a wholly bold
  list item ending with a colon;
- an objective is a numbered title (heading, bold paragraph or a numbered list item written as a
  bullet), an "Axe prioritaire n°k" (whose list items are its sub-objectives), an unnumbered bold
  paragraph followed by an "Exemple(s) d'action(s)" line, or, in an axis without numbered
  objectives, a list item;
- the list items after an "Exemple(s) d'action(s)" line are the objective's example actions;
- the plain paragraphs right after a contract, axis or objective title extend its passage (an
  objective split across a title and its explanation is one passage).

Heading levels mean nothing in these annexes (they come from office documents) and are ignored.
"""

from __future__ import annotations

import re

from graphe.draft.model import Resource, Span
from graphe.draft.segment import Block, fold, strip_end

CONTRACT = "orientations et objectifs du contrat de ville"
MARKER = re.compile(r"exemples? d.?\s*actions?\b")
AXE_PRIORITAIRE = re.compile(r"axe prioritaire\s*(?:n\s*°|no\.?)?\s*(\d+)")
AXE_NUMBERED = re.compile(r"axe\s*(?:n\s*°|no\.?)?\s*\d+\s*[-–:.]")


def is_contract_heading(b: Block, source: str) -> bool:
    return CONTRACT in fold(b.text(source))


def ends_with_colon(b: Block, source: str) -> bool:
    return source[b.cstart : b.end].rstrip(" \t*_").endswith(":")


class Reader:
    """One pass over a commune's blocks; ``resources`` in source order, ``unread`` left over."""

    def __init__(self, source: str, blocks: list[Block]):
        self.source = source
        self.blocks = blocks
        self.resources: list[Resource] = []
        self.unread: list[Span] = []
        self.contract: Resource | None = None
        self.axis: Resource | None = None
        self.objective: Resource | None = None
        self.ap: Resource | None = None
        self.extending: Resource | None = None
        self.examples = False
        self.enjeux = False

    # ----------------------------------------------------------------- building resources

    def add(self, kind: str, b: Block, parent: Resource | None, strip: str, **kw) -> Resource:
        end = strip_end(self.source, b.cstart, b.cend, strip)
        r = Resource(kind, Span(b.cstart, end), Span(b.cstart, end), parent=parent, **kw)
        if parent is not None:
            parent.children.append(r)
            r.rank = sum(1 for c in parent.children if c.kind == kind)
        self.resources.append(r)
        return r

    def extend(self, r: Resource, b: Block) -> None:
        end = strip_end(self.source, b.cstart, b.cend, "")
        r.span.end = end
        r.description = Span(r.description.start if r.description else b.cstart, end)

    # ----------------------------------------------------------------- the pass

    def read(self) -> Resource:
        head, *rest = self.blocks
        self.contract = self.add("contrat", head, None, ":")
        self.extending = self.contract
        for i, b in enumerate(rest, start=1):
            self.step(i, b)
        return self.contract

    def step(self, i: int, b: Block) -> None:
        src = self.source
        f = fold(b.text(src))
        if MARKER.match(f):
            self.examples, self.extending = True, None
            if self.objective is None:
                self.unread.append(Span(b.cstart, b.cend))
            return
        titled = b.kind == "heading" or b.arrow or (b.kind == "para" and b.bold)
        if (m := AXE_PRIORITAIRE.match(f)) and self.axis is not None:
            obj = self.add("objectif", b, self.axis, ":;", numero=m.group(1), axe_prioritaire=True)
            self.objective = self.ap = self.extending = obj
            self.examples = False
            return
        if b.number is not None and self.axis is not None and (titled or b.kind == "bullet"):
            obj = self.add("objectif", b, self.axis, ":;", numero=b.number)
            self.objective, self.ap, self.extending, self.examples = obj, None, obj, False
            return
        if b.arrow or (b.kind == "heading" and b.number is None) or (titled and AXE_NUMBERED.match(f)) or (
            b.kind == "bullet" and b.bold and ends_with_colon(b, src)
        ):
            self.axis = self.add("axe", b, self.contract, ":;")
            self.objective = self.ap = None
            self.extending, self.examples, self.enjeux = self.axis, False, False
            return
        if b.kind == "para":
            self.paragraph(i, b, f)
            return
        self.bullet(b)

    def paragraph(self, i: int, b: Block, f: str) -> None:
        if self.extending is not None and self.source[b.cstart : b.cstart + 1].islower():
            self.extend(self.extending, b)  # a title that goes on in the next paragraph
            return
        if b.bold and self.axis is not None and self.announces_examples(i):
            obj = self.add("objectif", b, self.axis, ":;")
            self.objective, self.ap, self.extending, self.examples = obj, None, obj, False
            return
        announces_enjeux = "enjeu" in f and ends_with_colon(b, self.source) and self.axis is None
        if announces_enjeux:
            self.enjeux, self.extending = True, None
            return
        if self.extending is not None:
            self.extend(self.extending, b)
            return
        self.unread.append(Span(b.cstart, b.cend))

    def announces_examples(self, i: int) -> bool:
        """An unnumbered bold paragraph is an objective when examples of actions follow it."""
        for b in self.blocks[i + 1 :]:
            if MARKER.match(fold(b.text(self.source))):
                return True
            if b.kind != "para" or b.bold:
                return False
        return False

    def bullet(self, b: Block) -> None:
        self.extending = None
        if self.examples and self.objective is not None:
            self.add("action", b, self.objective, ";")
        elif self.ap is not None:
            self.add("objectif", b, self.ap, ".;:")
        elif self.axis is not None:
            self.objective = self.add("objectif", b, self.axis, ".;:")
        elif self.enjeux:
            self.add("enjeu", b, self.contract, ".;:")
        else:
            self.unread.append(Span(b.cstart, b.cend))


def read(source: str, blocks: list[Block]) -> tuple[list[Resource], list[Span]]:
    """The resources of one commune's section (its first block is the contract heading)."""
    reader = Reader(source, blocks)
    reader.read()
    return reader.resources, reader.unread
