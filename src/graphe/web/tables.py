"""Data tables shown on a page and downloadable as CSV from the same URL (``?csv=NAME``).

A page builds its tables as :class:`Table` objects; the template draws them with the
``tableau`` macro (``templates/pages/_macros.html``) and :func:`graphe.web.render.page`
answers ``?csv=NAME`` with the same cells as CSV, so what is downloaded is what is shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str
    href: str | None = None
    numeric: bool = False
    export: str | None = None  # what the CSV holds when it is not the text (a link's target)

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    name: str  # the ?csv= value; also the table's id in the page
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # indexes of right-aligned columns

    def add(self, *cells) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell("" if c is None else str(c)) for c in cells])

    def csv(self) -> str:
        """The table as CSV (RFC 4180, comma, CRLF), with a BOM so that spreadsheets read UTF-8."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([c.text if c.export is None else c.export for c in row])
        return "\ufeff" + out.getvalue()


def number(value: str | float | int | None) -> str:
    """A French number: decimal comma, thin spaces between thousands, no useless ``.0``.

    >>> number("1190"), number("12.5"), number(None)
    ('1\u202f190', '12,5', '')
    """
    if value in (None, ""):
        return ""
    x = float(value)
    text = f"{x:,.0f}" if x == int(x) else f"{x:,.2f}".rstrip("0")
    return text.replace(",", "\u202f").replace(".", ",")


_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]


def french_date(value: str) -> str:
    """``2019-01-25`` → ``25 janvier 2019``; ``2019-01`` → ``janvier 2019``; a year stays as is.

    >>> french_date("2019-01-25"), french_date("2016-03"), french_date("2022")
    ('25 janvier 2019', 'mars 2016', '2022')
    """
    parts = value.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return value

