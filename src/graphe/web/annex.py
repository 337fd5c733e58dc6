"""The annex as a page: its Markdown rendered as HTML, every passage the graph rests on marked.

The Markdown is rendered by markdown-it-py (CommonMark). To keep the graph's character
offsets (0-based code points of the source file) mappable through the rendering, a private-
use character is inserted at each passage's start and end before rendering; markdown-it
treats it as a letter and carries it into the HTML, where :func:`weave` replaces it. Marks
and mention links are reopened after every tag, so passages that span paragraphs, list items
or emphasis still give well-nested HTML. Each passage gets an anchor ``#passage-START-END``
(what every "Voir dans l'annexe" link points to) and, at its end, links to the resources it
supports; each mention (a name the annex uses for a partner, dispositif or quartier) links to
that resource's page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from fastapi import APIRouter, Request

from graphe import provenance
from graphe.web.data import page_url, select
from graphe.web.markup import restore
from graphe.web.render import cached, page

router = APIRouter()

BASE = 0xF0000  # Supplementary Private Use Area-A: never in the annex
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Passage:
    start: int
    end: int
    mention: bool
    resources: list[dict] = field(default_factory=list)  # {url, genre, libelle}

    @property
    def id(self) -> str:
        return f"passage-{self.start}-{self.end}"


def passages(rows: list[dict]) -> list[Passage]:
    """One Passage per (start, end, mention?), with every resource it supports."""
    by_key: dict[tuple, Passage] = {}
    for r in rows:
        key = (int(r["debut"]), int(r["fin"]), r["mention"] == "true")
        p = by_key.setdefault(key, Passage(*key))
        entry = {"url": page_url(r["ressource"], r.get("commune")), "genre": r["genre"], "libelle": r["libelle"]}
        if entry not in p.resources:
            p.resources.append(entry)
    return sorted(by_key.values(), key=lambda p: (p.start, -p.end))


def render(source: str, found: list[Passage]) -> str:
    """The annex as HTML with its passages woven in."""
    events: dict[int, list[int]] = {}
    for i, p in enumerate(found):
        if 0 <= p.start < p.end <= len(source):
            events.setdefault(p.start, []).append(2 * i)
            events.setdefault(p.end, []).append(2 * i + 1)
    pieces, last = [], 0
    for offset in sorted(events):
        pieces.append(source[last:offset])
        # closes before opens at the same offset, so adjacent passages do not overlap
        for code in sorted(events[offset], key=lambda c: (c % 2 == 0, c)):
            pieces.append(chr(BASE + code))
        last = offset
    pieces.append(source[last:])
    from markdown_it import MarkdownIt  # loaded by the first annex page, not by the server's start

    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    return weave(restore(md.render("".join(pieces))), found)


def weave(rendered: str, found: list[Passage]) -> str:
    """Replace the markers of the rendered HTML by anchors, marks, mention links and support links."""
    out: list[str] = []
    active_passages: list[Passage] = []
    active_mentions: list[Passage] = []
    open_mark = open_link = False

    def close_inline():
        nonlocal open_mark, open_link
        if open_link:
            out.append("</a>")
            open_link = False
        if open_mark:
            out.append("</mark>")
            open_mark = False

    def ensure_open():
        nonlocal open_mark, open_link
        if active_passages and not open_mark:
            out.append("<mark>")
            open_mark = True
        if active_mentions and not open_link:
            m = active_mentions[-1]
            r = m.resources[0]
            out.append(f'<a class="mention" href="{html.escape(r["url"])}">')
            open_link = True

    position = 0
    for tag in _TAG.finditer(rendered):
        _text(rendered[position:tag.start()], out, found, active_passages, active_mentions, close_inline, ensure_open)
        close_inline()
        out.append(tag.group())
        position = tag.end()
    _text(rendered[position:], out, found, active_passages, active_mentions, close_inline, ensure_open)
    close_inline()
    return "".join(out)


def _text(text, out, found, active_passages, active_mentions, close_inline, ensure_open) -> None:
    run = []

    def flush():
        if run:
            if "".join(run).strip():  # white space between block tags stays outside any mark
                ensure_open()
            out.append("".join(run))
            run.clear()

    for ch in text:
        code = ord(ch) - BASE
        if code < 0 or code >= 2 * len(found):
            run.append(ch)
            continue
        flush()
        p = found[code // 2]
        stack = active_mentions if p.mention else active_passages
        close_inline()
        if code % 2 == 0:
            if not any(q.id == p.id for q in found[: code // 2]):  # a passage and a mention may share offsets
                out.append(f'<span class="ancre" id="{p.id}"></span>')
            stack.append(p)
        else:
            if p in stack:
                stack.remove(p)
            if not p.mention:
                out.append(support_links(p))
    flush()


def support_links(p: Passage) -> str:
    """The links after a passage to the resources it supports."""
    links = ", ".join(
        f'<a href="{html.escape(r["url"])}" title="{html.escape(r["libelle"])}">{html.escape(r["genre"])}</a>'
        for r in p.resources
    )
    return f'<span class="appuis"> [{links}]</span>'


@router.get("/annexe")
@cached
async def annex(request: Request):
    found = passages(await select(request, "annexe-passages"))
    answers = request.app.state.page_answers  # made by select, emptied when the dataset changes
    body = answers.get(("annexe-html",))
    if body is None:
        body = answers[("annexe-html",)] = render(provenance.source_text(), found)
    context = {
        "annexe": body,
        "passages": sum(not p.mention for p in found),
        "mentions": sum(p.mention for p in found),
    }
    return page(request, "pages/annexe.html", context)
