"""Cutting a Markdown annex into blocks that keep their offsets in the source text.

Annexes come as converted office documents: headings at random levels, numbered objectives
written as bullets or bold paragraphs, arrows (➤) and emphasis around everything. The draft
never rewrites that text: every block knows the span of its *content* (without list markers,
numbering, arrows and the ``**``/``*`` around it), so every quote the draft writes is the source
text at its offsets, character for character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HEADING = re.compile(r"(#{1,6})[ \t]+")
BULLET = re.compile(r"([ \t]*)([-*+])[ \t]+")
ORDERED = re.compile(r"([ \t]*)(\d{1,2})[.)][ \t]+")
NUMBER = re.compile(r"(\d{1,2})[ \t]*[.)][ \t]+")
PREFIX_JUNK = " \t*_➤"
SUFFIX_JUNK = " \t*_"


@dataclass
class Block:
    kind: str  # "heading", "para" or "bullet"
    start: int  # the block's first character in the source (line start, indentation included)
    end: int  # end of its last line
    cstart: int  # content, without markers, arrows, numbering and emphasis
    cend: int
    indent: int
    bold: bool  # the content was wholly emphasised (``**…**``)
    arrow: bool  # it began with ➤
    number: str | None  # the number as printed ("2" for "2. …"), if any

    def text(self, source: str) -> str:
        return source[self.cstart : self.cend]


def fold(text: str) -> str:
    """Lowercase, without accents, with straight apostrophes: the form every comparison uses."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "Oe"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def blocks(source: str) -> list[Block]:
    """The blocks of ``source`` in order: headings, paragraphs and list items (one per item)."""
    out: list[Block] = []
    current: Block | None = None
    pos = 0
    for line in source.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        end = start + len(body)
        if not body.strip():
            current = None
            continue
        if m := HEADING.match(body):
            current = None
            out.append(_block("heading", source, start, start + m.end(), end, 0))
            continue
        m = BULLET.match(body) or ORDERED.match(body)
        if m and not body.lstrip().startswith("**"):
            indent = len(m.group(1).expandtabs(4))
            number = m.group(2) if m.re is ORDERED else None
            current = _block("bullet", source, start, start + m.end(), end, indent, number)
            out.append(current)
            continue
        if current is not None:  # a continuation line of the paragraph or item
            current.end = end
            _trim(source, current)
            continue
        current = _block("para", source, start, start, end, 0)
        out.append(current)
    return out


def _block(kind: str, source: str, start: int, cstart: int, end: int, indent: int, number: str | None = None) -> Block:
    b = Block(kind, start, end, cstart, end, indent, False, False, number)
    head = cstart
    while head < end and source[head] in PREFIX_JUNK:
        b.bold |= source.startswith("**", head)
        b.arrow |= source[head] == "➤"
        head += 1
    if b.number is None and (m := NUMBER.match(source, head, end)):
        b.number = m.group(1)
        head = m.end()
        while head < end and source[head] in PREFIX_JUNK:
            b.bold |= source.startswith("**", head)
            head += 1
    b.cstart = head
    _trim(source, b)
    return b


def _trim(source: str, b: Block) -> None:
    tail = b.end
    while tail > b.cstart and source[tail - 1] in SUFFIX_JUNK:
        tail -= 1
    b.cend = tail


def strip_end(source: str, start: int, end: int, chars: str) -> int:
    """``end`` moved left past any of ``chars`` and blanks (e.g. the " ;" closing a list item)."""
    while end > start and source[end - 1] in chars + " \t*_":
        end -= 1
    return end
