"""Pages of a named question's answer: ``/queries/{name}?page=N``.

At the size of France some questions list tens of thousands of rows (every figure, every
partner with its roles…): more than a page can show, more than the row cap (10,000) lets
through. Such an answer is served by pages of :data:`PAGE_SIZE` rows, the first by default,
with a link to the next one (``Link: <…>; rel="next"`` and on the French page), so that every
row stays reachable, each exactly once: pages are cut by ``LIMIT``/``OFFSET`` after the
query's own ``ORDER BY``, a total order on the read-only data. ``page=tout`` asks for the
whole answer at once (up to the row cap).

Only SELECT questions ordered at their top level are paged: without an ORDER BY two pages
could overlap, and a query that sets its own LIMIT or OFFSET keeps it.

>>> q = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
>>> paged(q, 3, 10)
'SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 10 OFFSET 20'
>>> pageable("SELECT ?s WHERE { ?s ?p ?o }"), pageable(q + " LIMIT 5")
(False, False)
>>> page_number("0")
Traceback (most recent call last):
graphe.errors.BadRequest: paramètre « page » : un numéro de page (1, 2, 3…) ou « tout » est attendu, pas '0'.
"""

from __future__ import annotations

from graphe.errors import BadRequest
from graphe.guard import query_form, tokens

#: rows per page of a named question's answer
PAGE_SIZE = 1000
#: ``page=tout``: the whole answer, up to the row cap
ALL = "tout"


def pageable(text: str) -> bool:
    """Is ``text`` a SELECT with a top-level ORDER BY and no LIMIT / OFFSET of its own?"""
    if query_form(text) != "SELECT":
        return False
    depth, ordered = 0, False
    for tok in tokens(text):
        if tok.kind == "punct" and tok.text in "{}":
            depth += 1 if tok.text == "{" else -1
        elif depth == 0 and tok.keyword in ("LIMIT", "OFFSET"):
            return False
        elif depth == 0 and tok.keyword == "ORDER":
            ordered = True
    return ordered


def page_number(raw: str | None) -> int | None:
    """The page asked for: 1 by default, None for the whole answer; BadRequest otherwise."""
    if raw is None or raw == "":
        return 1
    if raw.strip().lower() == ALL:
        return None
    if raw.strip().isdigit() and int(raw) >= 1 and len(raw.strip()) <= 9:
        return int(raw)
    raise BadRequest(f"paramètre « page » : un numéro de page (1, 2, 3…) ou « {ALL} » est attendu, pas {raw!r}.")


def paged(text: str, page: int, size: int = PAGE_SIZE) -> str:
    """``text`` cut to its ``page``-th page of ``size`` rows (on a line of its own: the text
    may end with a comment)."""
    return f"{text}\nLIMIT {size} OFFSET {(page - 1) * size}"


def page_of(text: str, raw: str | None, size: int = PAGE_SIZE) -> tuple[str, int | None]:
    """The text to run for ``page=raw`` and the page it is (None: not paged, the whole answer)."""
    page = page_number(raw)
    if page is None or not pageable(text):
        return text, None
    return paged(text, page, size), page


def link_header(path: str, params: list[tuple[str, str]], page: int | None, rows: int, size: int = PAGE_SIZE) -> str | None:
    """``Link: <next>; rel="next"`` when the page is full (rows may remain), else None."""
    if page is None or rows < size:
        return None
    return f'<{next_link(path, params, page)}>; rel="next"'


def next_link(path: str, params: list[tuple[str, str]], page: int) -> str:
    """The address of the page after ``page``, the other parameters kept as given."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in params if k != "page"]
    return f"{path}?{urlencode([*kept, ('page', str(page + 1))])}"
