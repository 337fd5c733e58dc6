"""The format of one request's answer, decided once from ``Accept`` and ``format=``.

Everything that answers a request reads the same :class:`Negotiated` value: the answer
itself, the page shown to a browser, and the body of any error. So a request never gets its
data in one format and its error in another chosen by a different rule: a client that asked
for CSV (by ``Accept`` or ``format=csv``) and fails reads one line of text, a JSON client a
JSON object, a browser on a page the French error page.

``/sparql`` builds its value once it has the request's parameters (a form POST carries
``format=`` in its body); the FastAPI routes reach theirs with :func:`negotiated`, kept on
``request.state`` so the error handlers see the very value the route used.
"""

from __future__ import annotations

from graphe import formats
from graphe.errors import NotAcceptable

#: Error bodies: one line of text, or a JSON object for clients that ask for JSON.
ERROR_TEXT = formats.Format("text", "text/plain")
ERROR_JSON = formats.Format("json", "application/json", ("application/sparql-results+json",))
_ERROR_OFFERS = [ERROR_TEXT, ERROR_JSON]
_JSON_ANSWERS = ("json", "jsonld")
_KNOWN = [*formats.SOLUTIONS, *formats.GRAPH, formats.HTML]


class Negotiated:
    """What one request accepts, and every format decided from it (each at most once).

    A plain class with slots: ``/sparql`` makes one per request on its hot path.
    """

    __slots__ = ("accept", "format_param", "pages", "_choices", "_error")

    def __init__(self, accept: str | None, format_param: str | None = None, *, pages: bool = True):
        self.accept = accept
        self.format_param = format_param
        self.pages = pages  # an error may be the HTML page (not on /sparql: its page shows errors in place)
        self._choices: dict[int, tuple[list[formats.Format], formats.Format | None]] = {}
        self._error: formats.Format | None = None

    def choice(self, offers: list[formats.Format]) -> formats.Format | None:
        """The offer this request prefers (``format=`` first, then ``Accept``), or None."""
        kept = self._choices.get(id(offers))
        if kept is None:  # the list is kept with its answer, so its id cannot be reused meanwhile
            kept = self._choices[id(offers)] = (offers, _remembered(_CHOICES, self.accept, self.format_param, offers))
        return kept[1]

    def answer(self, offers: list[formats.Format]) -> formats.Format:
        """The answer's format among ``offers``; 406 in French, listing them, when none fits."""
        fmt = self.choice(offers)
        if fmt is None:
            raise NotAcceptable(not_acceptable(self.format_param, offers))
        return fmt

    def page(self, offers: list[formats.Format]) -> bool:
        """A browser asking for the page rather than data (never when ``format=`` names one)."""
        return not self.format_param and _remembered(_PAGES, self.accept, None, offers)

    @property
    def error(self) -> formats.Format:
        """The format of this request's error body: HTML (the page), JSON or text.

        ``format=`` decides when it names a format, as it decides the answer; otherwise the
        ``Accept`` header: the page for a browser, JSON for a JSON client, else text.
        """
        if self._error is None:
            self._error = self._decide_error()
        return self._error

    def _decide_error(self) -> formats.Format:
        if self.format_param:
            named = formats.by_name(self.format_param, _KNOWN)
            if named is formats.HTML:
                return formats.HTML if self.pages else ERROR_TEXT
            if named is not None:
                return ERROR_JSON if named.name in _JSON_ANSWERS else ERROR_TEXT
        if self.pages and "text/html" in (self.accept or ""):
            return formats.HTML
        chosen = formats.choose(self.accept, _ERROR_OFFERS) if self.accept else None
        return chosen or ERROR_TEXT


#: decisions by (Accept, format=, offers): clients send the same few headers again and again
_CHOICES: dict = {}
_PAGES: dict = {}
_REMEMBERED = 512


def _remembered(memo: dict, accept: str | None, format_param: str | None, offers: list[formats.Format]):
    """The choice among ``offers`` (``memo`` is _CHOICES), or whether the page wins (_PAGES), once
    per distinct request header; the list is kept with it, so its id is not reused meanwhile."""
    key = (accept, format_param, id(offers))
    kept = memo.get(key)
    if kept is not None and kept[0] is offers:
        return kept[1]
    if memo is _PAGES:
        value = formats.choose(accept, [*offers, formats.HTML]) is formats.HTML
    else:
        value = formats.negotiate(accept, format_param, offers)
    if len(memo) >= _REMEMBERED:
        memo.clear()
    memo[key] = (offers, value)
    return value


def not_acceptable(format_param: str | None, offers: list[formats.Format]) -> str:
    available = ", ".join(f"{f.name} ({f.media_type})" for f in offers)
    if format_param:
        return f"format {format_param!r} indisponible pour cette requête ; formats possibles : {available}."
    return f"aucun format acceptable selon l'en-tête Accept ; formats possibles : {available}."


def negotiated(request) -> Negotiated:
    """The request's one :class:`Negotiated` (made on first use, then kept on the request)."""
    value = getattr(request.state, "negotiated", None)
    if value is None:
        value = Negotiated(request.headers.get("accept"), request.query_params.get("format"))
        request.state.negotiated = value
    return value
