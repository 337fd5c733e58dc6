r"""Writing query answers: SPARQL results (JSON, XML, CSV, TSV, an HTML table) and graphs.

Both stores hand their answers here in one neutral form, so that a client gets the same bytes
whichever engine ran the query, and so that the row cap is applied while writing: solutions
are terms as tuples (``("uri", iri)``, ``("bnode", id)``, ``("literal", lexical, datatype or
None, language or None)``, or None when unbound), graphs are pyoxigraph triples (Oxigraph's
serialisers are fast and write every RDF format we offer).

>>> rows = [(("uri", "http://x/a"), ("literal", "Ça, là", None, "fr")), (None, ("literal", "2", XSD + "integer", None))]
>>> write_solutions(["s", "l"], rows, "csv").decode().split("\r\n")
['s,l', 'http://x/a,"Ça, là"', ',2', '']
>>> write_solutions(["s", "l"], rows, "tsv").decode().split("\n")
['?s\t?l', '<http://x/a>\t"Ça, là"@fr', '\t2', '']
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from html import escape as html_escape
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from graphe.engine_errors import engine_error
from graphe.errors import NotAcceptable
from graphe.namespaces import NAMESPACES, curie, local_href

XSD = NAMESPACES["xsd"]
XSD_STRING = XSD + "string"
RDF_LANGSTRING = NAMESPACES["rdf"] + "langString"
Term = tuple | None
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMBER = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
}


# --- terms ------------------------------------------------------------------------------


def ox_term(term) -> Term:
    """The neutral tuple of a pyoxigraph term (None stays None)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        return ("literal", term.value, None if dt in (XSD_STRING, RDF_LANGSTRING) else dt, term.language)
    return ("literal", str(term), None, None)  # RDF-star triple terms: not in our data


def ntriples(term: Term) -> str:
    """A term in N-Triples syntax (for TSV)."""
    kind = term[0]
    if kind == "uri":
        return f"<{term[1]}>"
    if kind == "bnode":
        return f"_:{term[1]}"
    value = (
        term[1].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        .replace("\r", "\\r").replace("\t", "\\t")
    )
    if term[3]:
        return f'"{value}"@{term[3]}'
    if term[2]:
        number = _NUMBER.get(term[2])
        if number and number.fullmatch(term[1]):
            return term[1]
        return f'"{value}"^^<{term[2]}>'
    return f'"{value}"'


# --- solutions -----------------------------------------------------------------------------


def _json_term(term: tuple) -> dict:
    kind = term[0]
    if kind == "literal":
        out = {"type": "literal", "value": term[1]}
        if term[3]:
            out["xml:lang"] = term[3]
        elif term[2]:
            out["datatype"] = term[2]
        return out
    return {"type": kind, "value": term[1]}


def _xml_text(value: str) -> str:
    return xml_escape(_XML_INVALID.sub("\ufffd", value))


def _xml_term(term: tuple) -> str:
    kind = term[0]
    if kind == "uri":
        return f"<uri>{_xml_text(term[1])}</uri>"
    if kind == "bnode":
        return f"<bnode>{_xml_text(term[1])}</bnode>"
    attr = ""
    if term[3]:
        attr = f" xml:lang={quoteattr(term[3])}"
    elif term[2]:
        attr = f" datatype={quoteattr(term[2])}"
    return f"<literal{attr}>{_xml_text(term[1])}</literal>"


def _plain(term: Term) -> str:
    if term is None:
        return ""
    return f"_:{term[1]}" if term[0] == "bnode" else term[1]


def write_solutions(variables: Sequence[str], rows: Iterable[Sequence[Term]], fmt: str) -> bytes:
    """SELECT answers in ``fmt`` (json, xml, csv, tsv or html: a bare ``<table>``)."""
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows
        ]
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>\n")
        for row in rows:
            out.append("<result>")
            out += [
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row)
                if t is not None
            ]
            out.append("</result>\n")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_plain(t) for t in row] for row in rows)
        return buf.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else ntriples(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    if fmt == "html":
        return html_table(variables, rows).encode()
    raise NotAcceptable(f"format de résultats inconnu : {fmt}")


class _Budget(Exception):
    """The engine's answer grew past what is written at once (see :func:`engine_json`)."""


class _Sink:
    """A binary writer for Oxigraph's serialiser that stops it past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size, self.limit = 0, limit

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Budget
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


#: answers up to this size are written by Oxigraph's own JSON serialiser (larger: by graphe's,
#: after evaluating the query a second time). 1 MiB made every national listing (3,000 rows and
#: more at 300×) pay that second evaluation and the Python writer: 2.3× slower; 16 MiB holds
#: the 10,000 rows of the default cap.
ENGINE_JSON_MAX = 1 << 24


def engine_json(solutions: ox.QuerySolutions, cap: int | None) -> tuple[bytes, int, bool] | None:
    """SELECT answers as SPARQL JSON written by Oxigraph (the bytes of :func:`write_solutions`,
    several times faster): ``(body, rows, truncated)``, or None when the answer passes
    :data:`ENGINE_JSON_MAX` bytes — the serialiser is then stopped, the engine with it, and the
    caller writes the answer itself, row by row up to the cap (a huge answer is never made
    whole just to be cut). Rows are counted on the written JSON; past ``cap`` it is cut there.
    """
    sink = _Sink(ENGINE_JSON_MAX)
    try:
        solutions.serialize(sink, format=ox.QueryResultsFormat.JSON)
    except _Budget:
        return None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # the engine failed while evaluating
        raise engine_error(exc) from None
    body = b"".join(sink.parts)
    rows = json_rows(body)
    if rows is not None and (cap is None or rows <= cap):
        return body, rows, False
    doc = json.loads(body)
    bindings = doc["results"]["bindings"]
    if cap is None or len(bindings) <= cap:
        return body, len(bindings), False
    doc["results"]["bindings"] = bindings[:cap]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), cap, True


def json_rows(body: bytes) -> int | None:
    """The rows of SPARQL JSON as Oxigraph writes it (compact), counted without parsing it —
    parsing costs ~5 µs a kilobyte, more than the engine spent on many answers; None when in doubt.

    A row after the first starts ``},{"`` and a variable's name. In a string a raw ``"`` is
    always escaped, so ``},{"`` there can only be a value ending in ``},{`` and its closing quote,
    followed by ``,`` or ``}``; an empty row is ``{}``. Both cases, and any value ending in
    ``{``, are found first (:data:`_UNSURE`, one pass): then the caller parses.

    >>> json_rows(b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"a},{"}},'
    ...           b'{"x":{"type":"uri","value":"http://x/"}}]}}') is None
    True
    >>> json_rows(b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"},{"}},'
    ...           b'{"x":{"type":"uri","value":"http://x/"}}]}}'.replace(b'},{"}', b'},{x"}'))
    2
    >>> json_rows(b'{"head":{"vars":["x"]},"results":{"bindings":[]}}')
    0
    """
    if _UNSURE.search(body) is not None:
        return None
    if b'"bindings":[{' not in body:
        return 0 if body.endswith(b'"bindings":[]}}') else None
    return 1 + body.count(b'},{"')


#: an empty row, or a string value ending in ``{`` (perhaps in ``},{``, a row's start)
_UNSURE = re.compile(rb'\{(?:\}|"[,}])')


def write_boolean(value: bool, fmt: str) -> bytes:
    """ASK answers in ``fmt``."""
    word = "true" if value else "false"
    if fmt == "json":
        return b'{"head":{},"boolean":%s}' % word.encode()
    if fmt == "xml":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/'
            f'sparql-results#"><head/><boolean>{word}</boolean></sparql>\n'
        ).encode()
    if fmt in ("csv", "tsv"):
        return f"{word}\n".encode()
    if fmt == "html":
        return f'<p class="booleen">{"oui" if value else "non"}</p>'.encode()
    raise NotAcceptable(f"format de résultats inconnu : {fmt}")


def _html_link(iri: str) -> str:
    """A prefixed name linking to where this server answers the IRI when it is ours.

    >>> _html_link("https://w3id.org/contrats-de-ville/id/commune/94017")
    '<a href="/id/commune/94017" title="https://w3id.org/contrats-de-ville/id/commune/94017">commune:94017</a>'
    """
    href = local_href(iri)
    text = curie(iri) or iri
    return f'<a href="{html_escape(href)}" title="{html_escape(iri)}">{html_escape(text)}</a>'


def html_table(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> str:
    """A plain HTML table, IRIs as links (for people reading a named query's answer)."""
    out = ["<table>\n<thead><tr>"]
    out += [f"<th>{html_escape(v)}</th>" for v in variables]
    out.append("</tr></thead>\n<tbody>\n")
    for row in rows:
        out.append("<tr>")
        for t in row:
            if t is None:
                out.append("<td></td>")
            elif t[0] == "uri":
                out.append(f"<td>{_html_link(t[1])}</td>")
            elif t[0] == "literal" and t[3]:
                out.append(f'<td lang="{html_escape(t[3])}">{html_escape(t[1])}</td>')
            else:
                out.append(f"<td>{html_escape(_plain(t))}</td>")
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


# --- graphs --------------------------------------------------------------------------------

GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def write_graph(triples: list, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples (pyoxigraph) in ``fmt``; Turtle and RDF/XML declare the prefixes they use."""
    rdf_format = GRAPH_FORMATS.get(fmt)
    if rdf_format is None:
        raise NotAcceptable(f"format de graphe inconnu : {fmt}")
    used = None
    if prefixes and fmt in ("turtle", "rdfxml"):
        iris = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
        iris |= {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
        namespaces = {i[: max(i.rfind("#"), i.rfind("/")) + 1] for i in iris}
        used = {p: ns for p, ns in prefixes.items() if ns in namespaces}
    return ox.serialize(triples, format=rdf_format, prefixes=used)
