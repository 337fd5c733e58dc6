"""Figures and dates in the annex's prose, as candidate observations and events.

A figure is a number (digits, or a French number word such as "trente", "une quinzaine") with
what it counts or its unit (%, €, points, heures); a year in the same clause dates it. A date is
a day, a month or a year that no figure claims. Each keeps its clause — the text between the
nearest punctuation marks — as its passage: the smallest text that states it.
"""

from __future__ import annotations

import re

from graphe.draft.model import Date, Figure, Span

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
MONTH = "|".join(MONTHS)
FULL_DATE = re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({MONTH})\s+((?:19|20)\d\d)\b", re.I)
MONTH_YEAR = re.compile(rf"\b({MONTH})\s+(?:de\s+)?((?:19|20)\d\d)\b", re.I)
YEAR = re.compile(r"(?<![\d/])((?:19|20)\d\d)(?![\d<])")
WORDS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "cent": 100,
    "dizaine": 10, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "centaine": 100,
}
NUMBER = re.compile(
    r"(?<![\w<°/.,])(\d{1,3}(?:[\u00a0\u202f ]\d{3})+|\d+(?:[.,]\d+)?(?:/\d+)?)(?![\w<]|[.,]\d)"
    r"\s*(%|€|euros?\b|points?\b|heures?\b)?"
    r"|\b(" + "|".join(WORDS) + r")\b(?!\s*(?:à|a)\s)",
    re.I,
)
UNITS = {"%": "pourcent", "€": "euro", "euro": "euro", "euros": "euro", "point": "point-de-pourcentage",
         "points": "point-de-pourcentage", "heure": "heure", "heures": "heure"}
QUALIFIERS = ("plus de", "plus d'", "près de", "près d'", "environ", "moins de")
CLAUSE_END = ".;:!?()\n–"


def clause(source: str, start: int, end: int, lo: int, hi: int, stops: str = CLAUSE_END + ",") -> Span:
    """The clause around ``[start, end)`` within ``[lo, hi)``: up to punctuation or a comma."""
    a = start
    while a > lo and source[a - 1] not in stops and not source.startswith("* ", a - 2):
        a -= 1
    b = end
    while b < hi and source[b] not in stops:
        b += 1
    while a < b and source[a] in " *«»\"'":
        a += 1
    while b > a and source[b - 1] in " *«»\"'":
        b -= 1
    return Span(a, b)


def find(source: str, spans: list[Span], skip: list[Span]) -> tuple[list[Figure], list[Date]]:
    figures: list[Figure] = []
    dates: list[Date] = []
    for span in spans:
        taken: list[tuple[int, int]] = [(s.start, s.end) for s in skip]
        taken += [m.span() for p in (FULL_DATE, MONTH_YEAR) for m in p.finditer(source, span.start, span.end)]
        days = len(taken)

        def free(a: int, b: int) -> bool:
            return not any(x < b and a < y for x, y in taken)  # noqa: B023 - called within this iteration

        for m in NUMBER.finditer(source, span.start, span.end):
            a, b = m.start(), m.end()
            digits, unit_word, word = m.group(1), m.group(2), m.group(3)
            if not free(a, b):
                continue
            if digits and YEAR.fullmatch(digits.split("/")[0]) and not unit_word:
                continue  # a year (or "2019/2020"): a date, or the year of a figure
            c = clause(source, a, b, span.start, span.end)
            if any(f.span.start == c.start and f.span.end == c.end for f in figures):
                c = Span(a, re.match(r"\S*(?:\s+\w+)?", source[b:c.end]).end() + b)  # the figure and its noun
            if digits:
                value = digits.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
                if "/" in value:
                    num, den = value.split("/")
                    if not den or float(den) == 0:
                        continue
                    value = str(round(float(num) / float(den), 4))
                unit = UNITS.get((unit_word or "").lower(), "nombre")
            else:
                value, unit = str(WORDS[word.lower()]), "nombre"
            before = source[max(span.start, a - 12) : a].lower()
            qualifier = next((q.rstrip("'") for q in QUALIFIERS if before.rstrip().endswith(q.rstrip())), None)
            sentence = clause(source, a, b, span.start, span.end, CLAUSE_END)
            year = YEAR.search(source, c.start, c.end) or YEAR.search(source, sentence.start, sentence.end)
            if year and not c.start <= year.start() < c.end and year.start() < c.start:
                c = Span(year.start() - (2 if source[year.start() - 3 : year.start()].lower() == "en " else 0), c.end)
                c = Span(c.start - 1 if source[c.start - 1 : c.start] == "E" else c.start, c.end)
            figures.append(Figure(value, unit, c, Span(a, b), year.group(1) if year else None, qualifier))
            taken.append((c.start, c.end) if year else (a, b))
            if year:
                taken.append(year.span())
        del taken[len(skip) : days]  # the days and months were held back from the figures only
        for pattern, kind in ((FULL_DATE, "date"), (MONTH_YEAR, "gYearMonth"), (YEAR, "gYear")):
            for m in pattern.finditer(source, span.start, span.end):
                if not free(m.start(), m.end()):
                    continue
                if kind == "date":
                    value = f"{m.group(3)}-{MONTHS.index(m.group(2).lower()) + 1:02d}-{int(m.group(1)):02d}"
                elif kind == "gYearMonth":
                    value = f"{m.group(2)}-{MONTHS.index(m.group(1).lower()) + 1:02d}"
                else:
                    value = m.group(1)
                c = clause(source, m.start(), m.end(), span.start, span.end)
                if any(d.span.start == c.start and d.span.end == c.end for d in dates):
                    taken.append((m.start(), m.end()))
                    continue
                dates.append(Date(value, kind, c, Span(m.start(), m.end())))
                taken.append((m.start(), m.end()))
    figures.sort(key=lambda f: f.number.start)
    dates.sort(key=lambda d: d.at.start)
    return figures, dates
