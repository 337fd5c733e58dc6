"""Static checks on a SPARQL request before any engine sees it.

The engines cannot be trusted with everything a client may send: Oxigraph's parser overflows
its stack (and the whole process dies) on 10,000 nested ``{``; both engines would open HTTP
connections for ``SERVICE``; rdflib fetches the IRI of a ``FROM`` clause (a URL, or
``file:///etc/passwd``). So the text is scanned here first, with a small lexer that knows
SPARQL's strings, IRIs and comments, and the request is refused (:class:`graphe.errors.Refused`,
HTTP 400) when it is an Update, uses ``SERVICE``, names a graph that is not one of the
dataset's, is nested deeper than :attr:`Limits.max_depth`, or is longer than
:attr:`Limits.max_length` (:class:`graphe.errors.PayloadTooLarge`, HTTP 413).

What passes is a :class:`CheckedQuery`: the text with its ``FROM`` / ``FROM NAMED`` clauses
blanked out (same length, so the engine's error positions still point into the client's text)
and the dataset stated explicitly, so that no engine ever resolves a graph name itself.

>>> graphs = {"https://w3id.org/contrats-de-ville/graphe/annexe-1"}
>>> q = check("PREFIX graphe: <https://w3id.org/contrats-de-ville/graphe/> "
...           "SELECT * FROM graphe:annexe-1 WHERE { ?s ?p ?o }", graphs=graphs)
>>> q.form, q.default_graphs, q.named_graphs
('SELECT', ('https://w3id.org/contrats-de-ville/graphe/annexe-1',), ())
>>> check("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", graphs=graphs)
Traceback (most recent call last):
graphe.errors.Refused: SERVICE est refusé : ce service n'interroge pas d'autres serveurs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin

from graphe.errors import BadRequest, PayloadTooLarge, Refused

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

# One alternative per token kind; order matters (long strings before short ones).
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
             |'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
             |"(?:[^"\\\n\r]|\\.)*"
             |'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>(?:[A-Za-z0-9_\-:%\u00B7\u00C0-\uFFFF@]|\\[^\s]|\.(?=[A-Za-z0-9_\-:%\u00C0-\uFFFF]))+)
  | (?P<punct>\^\^|\|\||&&|!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = {v: k for k, v in _OPEN.items()}


class Token(NamedTuple):
    kind: str  # string, iri, var, word, punct (whitespace and comments are skipped)
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a bare word (SPARQL keywords are case-insensitive)."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> Iterator[Token]:
    """The significant tokens of a SPARQL text, skipping whitespace and comments.

    >>> [t.text for t in tokens('SELECT ?s # {\\n WHERE { ?s rdfs:label "{" }')]
    ['SELECT', '?s', 'WHERE', '{', '?s', 'rdfs:label', '"{"', '}']
    """
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind != "ws" and kind != "comment":
            yield Token(kind, m.group(), m.start(), m.end())


@dataclass(frozen=True)
class Limits:
    """Size limits applied before evaluation."""

    max_length: int = 1_048_576  # bytes of query text (UTF-8): 1 MiB
    max_depth: int = 64  # nesting of { ( [ together


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks, with its dataset made explicit.

    ``default_graphs`` / ``named_graphs`` are ``None`` when the request names no dataset: the
    default graph is then the union of the named graphs, and every named graph is available.
    Otherwise they hold graph IRIs, all of them graphs of the dataset. ``prefixes`` are the
    endpoint's predeclared prefixes that the text uses without declaring them (only those are
    handed to the engine).
    """

    text: str
    form: str | None  # None when the text does not start like a query: the engine will say why
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None  # the IRI relative IRIs of the text resolve against (the service's)


def nesting_depth(toks: Iterable[Token], limit: int | None = None) -> int:
    """The deepest nesting of brackets; stops early (returning ``limit + 1``) past ``limit``."""
    depth = deepest = 0
    for tok in toks:
        if tok.kind != "punct":
            continue
        if tok.text in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if limit is not None and deepest > limit:
                    return deepest
        elif tok.text in _CLOSE and depth > 0:
            depth -= 1
    return deepest


def prologue(toks: list[Token], base: str | None = None) -> tuple[dict[str, str], str | None, int]:
    """PREFIX and BASE declarations: (prefix → namespace, base IRI, index of the next token).

    ``base`` is the IRI the text's relative IRIs resolve against before any BASE line.
    """
    declared: dict[str, str] = {}
    i = 0
    while i < len(toks):
        kw = toks[i].keyword
        if kw == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = _resolve(toks[i + 1].text[1:-1], base)
            i += 2
        elif kw == "PREFIX" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            declared[toks[i + 1].text.rstrip(":")] = _resolve(toks[i + 2].text[1:-1], base)
            i += 3
        else:
            break
    return declared, base, i


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _iri_of(tok: Token, declared: dict[str, str], fallback: dict[str, str], base: str | None) -> str:
    """The absolute IRI a token names (an IRIREF or a prefixed name)."""
    if tok.kind == "iri":
        return _resolve(tok.text[1:-1], base)
    prefix, sep, local = tok.text.partition(":")
    namespace = declared.get(prefix, fallback.get(prefix)) if sep else None
    if namespace is None:
        raise BadRequest(f"nom de graphe illisible après FROM : {tok.text}")
    return namespace + re.sub(r"\\(.)", r"\1", local)


def check(
    text: str,
    *,
    graphs: Iterable[str],
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
    prefixes: dict[str, str] | None = None,
    limits: Limits = Limits(),
    base: str | None = None,
) -> CheckedQuery:
    """Check a query request; return it with its dataset explicit, or raise why it is refused.

    ``graphs`` are the IRIs of the dataset's named graphs: the only ones a request may select,
    by ``FROM`` / ``FROM NAMED`` in the text or by the protocol's ``default-graph-uri`` /
    ``named-graph-uri`` (which, as the protocol says, override the text's clauses).
    ``prefixes`` are those the endpoint predeclares (a query may use them without PREFIX).
    ``base`` is the service's base IRI: relative IRIs (``<s>``, ``<>``) resolve against it, as
    the SPARQL 1.1 Query spec says for a query without BASE (§4.1.1.1, RFC 3986 §5.1).
    """
    size = len(text) if len(text) * 4 <= limits.max_length or text.isascii() else len(text.encode("utf-8"))
    if size > limits.max_length:
        raise PayloadTooLarge(
            f"requête trop longue : {size} octets (maximum {limits.max_length})."
        )
    if not text.strip():
        raise BadRequest("requête vide.")
    toks = list(tokens(text))
    depth = nesting_depth(toks, limits.max_depth)
    if depth > limits.max_depth:
        raise Refused(
            f"requête trop imbriquée : plus de {limits.max_depth} niveaux de {{ ( [ "
            f"(maximum {limits.max_depth})."
        )
    service_base = base
    declared, base, first = prologue(toks, base)
    keyword = toks[first].keyword if first < len(toks) else ""
    if keyword in UPDATE_KEYWORDS:
        raise Refused(f"SPARQL Update ({keyword}) est refusé : ce service est en lecture seule.")
    form = keyword if keyword in QUERY_FORMS else None
    lowered = text.lower()  # cheap pre-tests before looking at every token
    if "service" in lowered and any(t.kind == "word" and t.text.upper() == "SERVICE" for t in toks):
        raise Refused("SERVICE est refusé : ce service n'interroge pas d'autres serveurs.")

    from_default: list[str] = []
    from_named: list[str] = []
    blanks: list[tuple[int, int]] = []
    i = first
    while "from" in lowered and i < len(toks):
        if toks[i].keyword != "FROM":
            i += 1
            continue
        named = i + 1 < len(toks) and toks[i + 1].keyword == "NAMED"
        j = i + 2 if named else i + 1
        if j >= len(toks) or toks[j].kind not in ("iri", "word"):
            raise BadRequest(f"FROM sans nom de graphe (position {toks[i].start}).")
        iri = _iri_of(toks[j], declared, prefixes or {}, base)
        (from_named if named else from_default).append(iri)
        blanks.append((toks[i].start, toks[j].end))
        i = j + 1

    protocol = [*default_graph_uris], [*named_graph_uris]
    if protocol[0] or protocol[1]:
        default, named = protocol
    elif blanks:
        default, named = from_default, from_named
    else:
        default = named = None
    if default or named:
        known = set(graphs)
        for iri in (default or []) + (named or []):
            if iri not in known:
                raise Refused(
                    f"graphe inconnu : <{iri}>. Seuls les graphes du jeu de données peuvent être "
                    f"choisis : {', '.join(f'<{g}>' for g in sorted(known))}."
                )
    for start, end in blanks:
        text = text[:start] + " " * (end - start) + text[end:]
    return CheckedQuery(
        text=text,
        form=form,
        default_graphs=None if default is None else tuple(dict.fromkeys(default)),
        named_graphs=None if named is None else tuple(dict.fromkeys(named)),
        prefixes=_undeclared(toks, declared, prefixes) if prefixes else {},
        base=service_base,
    )


def _undeclared(toks: list[Token], declared: dict[str, str], table: dict[str, str]) -> dict[str, str]:
    """The predeclared prefixes the text uses without a PREFIX line."""
    used = {t.text.partition(":")[0] for t in toks if t.kind == "word" and ":" in t.text}
    return {p: table[p] for p in used if p in table and p not in declared}


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the form of a query text (None if not a query).

    >>> query_form("PREFIX x: <http://x/> ask { ?s ?p ?o }")
    'ASK'
    """
    toks = list(tokens(text))
    _, _, first = prologue(toks)
    kw = toks[first].keyword if first < len(toks) else ""
    return kw if kw in QUERY_FORMS else None


def comment_tail(text: str) -> int:
    """Where the text's trailing comment lines start (``len(text)`` when there are none).

    A line that starts with ``#`` at the very end of a text adds no token, whether it is a
    comment or the end of an unterminated long string: the guard's verdict and the engine's
    work are those of the text before it. Clients add such a line to make a request unique
    (to get past caches); the verdict and the cost known for the text are kept across them.

    >>> text = "ASK {}\\n# essai 1\\n  # essai 2"
    >>> text[: comment_tail(text)]
    'ASK {}'
    >>> comment_tail("ASK {} # fin") == len("ASK {} # fin")
    True
    """
    end = len(text)
    while True:
        nl = text.rfind("\n", 0, end)
        if nl < 0:
            return end
        line = text[nl + 1 : end]
        if "\r" in line or not line.lstrip(" \t").startswith("#"):
            return end
        end = nl


class Verdicts:
    """The guard's verdicts by request, most recently used kept: a query sent again (a page's
    examples, a dashboard, a client retrying) is not lexed again, nor one that differs only by
    trailing comment lines (:func:`comment_tail`).

    Only short texts are kept (``max_text`` characters), at most ``size`` of them, so the
    cache stays within a few MB. A refusal is kept too and raised again, as a new exception.

    >>> v = Verdicts()
    >>> first = v.check("ASK {}", graphs=())
    >>> v.check("ASK {}", graphs=()) is first
    True
    """

    def __init__(self, size: int = 2048, max_text: int = 8192):
        from collections import OrderedDict

        self.size, self.max_text = size, max_text
        self._items: OrderedDict = OrderedDict()

    def check(self, text: str, *, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = (),
              **options) -> CheckedQuery:
        """:func:`check`, or its remembered verdict for the same request (same graphs, prefixes
        and limits are the caller's to keep: one cache per endpoint)."""
        size = len(text)
        if size > self.max_text:
            return check(text, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris, **options)
        end = comment_tail(text)
        head = text
        if end < size:
            head = text[:end]
            if not head.strip():  # nothing but comments: the verdict of the whole text
                head, end = text, size
            else:  # the length limit is the whole text's; the rest is the verdict of the text before the comments
                limits = options.get("limits") or Limits()
                if size > limits.max_length and len(text.encode("utf-8")) > limits.max_length:
                    return check(text, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris,
                                 **options)
        key = (head, tuple(default_graph_uris), tuple(named_graph_uris))
        items = self._items
        verdict = items.get(key)
        if verdict is None:
            try:
                verdict = check(head, default_graph_uris=key[1], named_graph_uris=key[2], **options)
            except (BadRequest, PayloadTooLarge) as exc:
                verdict = (type(exc), str(exc))
            items[key] = verdict
            if len(items) > self.size:
                items.popitem(last=False)
        else:
            items.move_to_end(key)
        if type(verdict) is tuple:
            raise verdict[0](verdict[1])
        if end == size:
            return verdict
        # the comments put back (same tokens, same blanked FROM positions)
        return CheckedQuery(verdict.text + text[end:], verdict.form, verdict.default_graphs, verdict.named_graphs,
                            verdict.prefixes, verdict.base)
