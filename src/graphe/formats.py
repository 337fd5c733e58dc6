"""Result formats: the one table from media types and ``format=`` names to formats, and
content negotiation (HTTP ``Accept`` with q-values and wildcards).

Which formats a response may take depends on what it holds: solutions (SELECT, ASK), a graph
(CONSTRUCT, DESCRIBE, the service description), or a page for people (the query page, a
named query's HTML table). Each kind has its list of offers, the server's preferred first;
:func:`choose` picks the offer the client prefers, and says None when the client accepts none
of them (HTTP 406).

>>> choose("text/csv", SOLUTIONS).name
'csv'
>>> choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", SOLUTIONS + [HTML]).name
'html'
>>> choose("*/*", SOLUTIONS + [HTML]).name, choose(None, GRAPH).name
('json', 'turtle')
>>> choose("image/png", SOLUTIONS) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """A format: its ``format=`` name, its media type, and other media types that mean it."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # other format= names (those SPARQLWrapper sends too)
    extension: str = ""
    charset: bool = True  # text: the Content-Type says charset=utf-8
    iri: str = ""  # its name in https://www.w3.org/ns/formats/ (service description)

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


W3C = "http://www.w3.org/ns/formats/"
JSON = Format(
    "json", "application/sparql-results+json", ("application/json",), ("srj",), "srj",
    iri=W3C + "SPARQL_Results_JSON",
)
XML = Format(
    "xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("srx",), "srx",
    iri=W3C + "SPARQL_Results_XML",
)
CSV = Format("csv", "text/csv", (), (), "csv", iri=W3C + "SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", (), (), "tsv", iri=W3C + "SPARQL_Results_TSV")
TURTLE = Format(
    "turtle", "text/turtle", ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3"),
    ("ttl", "n3"), "ttl",
    iri=W3C + "Turtle",
)
NTRIPLES = Format(
    "ntriples", "application/n-triples", ("text/plain",), ("nt",), "nt", iri=W3C + "N-Triples"
)
JSONLD = Format(
    "jsonld", "application/ld+json", ("application/json",), ("json-ld",), "jsonld",
    iri=W3C + "JSON-LD",
)
RDFXML = Format(
    "rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), ("rdf", "xml", "rdf+xml"), "rdf",
    iri=W3C + "RDF_XML",
)
HTML = Format("html", "text/html", ("application/xhtml+xml",), (), "html")
NQUADS = Format("nquads", "application/n-quads", (), ("nq",), "nq", iri=W3C + "N-Quads")
TRIG = Format("trig", "application/trig", (), (), "trig", iri=W3C + "TriG")
TEXT = Format("text", "text/plain", (), (), "txt")
JSON_FILE = Format("json-file", "application/json", (), (), "json")

#: The files of a release as downloaded (``/dumps/…``), by extension.
DUMP_FILES = [NQUADS, TRIG, TURTLE, JSONLD, NTRIPLES, RDFXML, HTML, TEXT, JSON_FILE]

#: Offers for each kind of answer, the server's preference first.
SOLUTIONS = [JSON, XML, CSV, TSV]
GRAPH = [TURTLE, NTRIPLES, JSONLD, RDFXML]
TABLE = [JSON, CSV, HTML]  # a named query's answer for people


def by_name(name: str, offers: list[Format]) -> Format | None:
    """The offer a ``format=`` value names (short name, other name or media type)."""
    wanted = name.strip().lower()
    for fmt in offers:
        if wanted == fmt.name or wanted in fmt.names or wanted in fmt.media_types():
            return fmt
    return None


def parse_accept(header: str) -> list[tuple[str, float]]:
    """(media range, q) pairs of an Accept header; malformed q-values count as 1.

    >>> parse_accept("text/csv;q=0.5, application/json ; charset=utf-8")
    [('text/csv', 0.5), ('application/json', 1.0)]
    """
    ranges = []
    for part in header.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append((media.lower(), q))
    return ranges


def _match(media_range: str, media_type: str) -> int:
    """How specifically a range matches a type: 2 exact, 1 ``type/*``, 0 ``*/*``, -1 no match."""
    if media_range == media_type:
        return 2
    if media_range == "*/*" or media_range == "*":
        return 0
    kind, _, sub = media_range.partition("/")
    if sub == "*" and media_type.startswith(kind + "/"):
        return 1
    return -1


def choose(accept: str | None, offers: list[Format]) -> Format | None:
    """The offer the client prefers: highest q, then the most specific range, then ours.

    For each offer, the q-value is that of the most specific range matching its media type
    (RFC 9110 §12.5.1); its other media types (aliases such as ``application/json`` for
    JSON-LD) count only when named exactly, and then below the real type. An empty or absent
    header accepts our first offer.
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = parse_accept(accept)
    best, best_key = None, None
    for index, fmt in enumerate(offers):
        specificity, q, primary = -1, 0.0, 0
        for media_range, range_q in ranges:
            s = _match(media_range, fmt.media_type)
            if s > specificity:
                specificity, q, primary = s, range_q, 1
        if specificity < 2:
            for media_range, range_q in ranges:
                if media_range in fmt.aliases:
                    specificity, q, primary = 2, range_q, 0
                    break
        if specificity < 0 or q <= 0:
            continue
        key = (q, specificity, primary, -index)
        if best_key is None or key > best_key:
            best, best_key = fmt, key
    return best


def negotiate(accept: str | None, format_param: str | None, offers: list[Format]) -> Format | None:
    """``format=`` when given (None if it names nothing offered), else the Accept header."""
    if format_param:
        return by_name(format_param, offers)
    return choose(accept, offers)


def for_file(name: str) -> Format:
    """The format of a release file by its extension (plain text when unknown: SHA256SUMS).

    >>> for_file("dataset.nq").media_type, for_file("SHA256SUMS").media_type
    ('application/n-quads', 'text/plain')
    """
    _, dot, ext = name.rpartition(".")
    return next((f for f in DUMP_FILES if dot and f.extension == ext), TEXT)


def offers_for(form: str | None) -> list[Format]:
    """The formats a query form can be answered in."""
    return GRAPH if form in ("CONSTRUCT", "DESCRIBE") else SOLUTIONS
