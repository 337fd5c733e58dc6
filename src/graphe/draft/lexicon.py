"""The names the graph already knows — partners, dispositifs, quartiers — and finding them in text.

Every label, altLabel and notation of a known entity becomes a sequence of folded tokens: no
accents, no case, no plural ``s``/``x``, dotted acronyms joined ("U.R.P.S." = "URPS"). Two
guards keep ordinary words from being read as names: a token written in capitals in the label
(an acronym: "ARS", "PRE") must be in capitals in the text, and a one-word name written with a
capital ("Etat", "Plateau", "Police") must start with a capital in the text ("état des lieux" is
not the State). Matching is greedy, longest name first, left to right, without overlaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from graphe.draft.model import Span
from graphe.draft.segment import fold
from graphe.namespaces import CDV

TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+\+?")
KINDS = {"partenaire": CDV.Partenaire, "dispositif": CDV.Dispositif, "quartier": CDV.Quartier,
         "projet": CDV.Projet, "instance": CDV.InstanceDeGouvernance}
#: Names that are never links (the annex names the EPT and the communes everywhere) but are not
#: unknown organisations either.
PLACES = {"territoire": CDV.Territoire, "commune": CDV.Commune}


@dataclass(frozen=True)
class Token:
    key: str
    start: int
    end: int
    upper: bool  # written in capitals (2 letters or more)
    capital: bool  # starts with a capital


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    keys: tuple[str, ...]
    upper: tuple[bool, ...]  # which tokens must be in capitals
    capital: bool  # a one-word name that must start with a capital
    label: str


@dataclass
class Match:
    iri: str
    kind: str
    span: Span


TAG = re.compile(r"<[^<>\n]{1,20}>")


def tokens(text: str, offset: int = 0) -> list[Token]:
    """Words of ``text`` with their offsets; HTML tags inside a word vanish ("2<sup>ème</sup>")."""
    out = []
    masked = TAG.sub(lambda m: "ª" * len(m.group()), text)
    for m in TOKEN.finditer(masked):
        raw = TAG.sub("", text[m.start() : m.end()]).replace(".", "")
        if not raw:
            continue
        letters = [c for c in raw if c.isalpha()]
        upper = len(letters) >= 2 and all(c.isupper() for c in letters)
        key = fold(raw)
        if not upper and len(key) > 3 and key[-1] in "sx" and not key.endswith("ss"):
            key = key[:-1]
        out.append(Token(key, offset + m.start(), offset + m.end(), upper, raw[:1].isupper()))
    return out


def subclasses(graph: Graph, root: URIRef) -> set[URIRef]:
    found, todo = {root}, [root]
    while todo:
        for sub in graph.subjects(RDFS.subClassOf, todo.pop()):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def known_entities(graph: Graph, kinds: dict = KINDS) -> dict[str, str]:
    """IRI → kind for every partner, dispositif and quartier of ``graph`` (or other ``kinds``)."""
    out: dict[str, str] = {}
    for kind, root in kinds.items():
        for cls in subclasses(graph, root):
            for s in graph.subjects(RDF.type, cls):
                if isinstance(s, URIRef):
                    out.setdefault(str(s), kind)
    return out


class Lexicon:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_first: dict[str, list[Entry]] = {}
        for e in sorted(entries, key=lambda e: (-len(e.keys), e.iri)):
            self.by_first.setdefault(e.keys[0], []).append(e)

    @classmethod
    def from_graph(cls, graph: Graph, exclude: set[str] = frozenset(), kinds: dict = KINDS) -> Lexicon:
        entries, seen = [], set()
        for iri, kind in sorted(known_entities(graph, kinds).items()):
            if iri in exclude:
                continue
            for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.notation):
                for label in graph.objects(URIRef(iri), p):
                    if getattr(label, "language", None) not in (None, "fr"):
                        continue
                    toks = tokens(str(label))
                    if len(toks) > 1 and toks[0].key in ("le", "la", "les", "l"):
                        toks = toks[1:]  # "Les Larris" is named "des Larris", "la Redoute" "Redoute"
                    keys = tuple(t.key for t in toks)
                    capital = len(toks) == 1 and toks[0].capital and not toks[0].upper
                    if not keys or (iri, keys, capital) in seen:
                        continue
                    seen.add((iri, keys, capital))
                    entries.append(Entry(iri, kind, keys, tuple(t.upper for t in toks), capital, str(label)))
        return cls(entries)

    def find(self, source: str, start: int, end: int) -> list[Match]:
        toks = tokens(source[start:end], start)
        out, i = [], 0
        while i < len(toks):
            hit = self._longest(toks, i)
            if hit is None:
                i += 1
                continue
            e, n = hit
            out.append(Match(e.iri, e.kind, Span(toks[i].start, toks[i + n - 1].end)))
            i += n
        return out

    def _longest(self, toks: list[Token], i: int) -> tuple[Entry, int] | None:
        for e in self.by_first.get(toks[i].key, ()):
            n = len(e.keys)
            window = toks[i : i + n]
            if len(window) < n or tuple(t.key for t in window) != e.keys:
                continue
            if any(need and not t.upper for need, t in zip(e.upper, window)):
                continue
            if e.capital and not window[0].capital:
                continue
            return e, n
        return None


#: Words every axis title uses, which say nothing about its theme.
THEME_STOP = {"acce", "quart", "prior", "ville", "matie", "engag", "dans", "avec", "pour"}


def guess_themes(graph: Graph, title: str) -> list[str]:
    """The themes whose French labels (then definitions) share most words with an axis title.

    Every theme scoring at least half the best, the most specific when a theme and its broader
    one both do. A guess for the curator to check, never more: the draft says so beside each axis.
    """
    words = {w.key[:5] for w in tokens(title) if len(w.key) >= 4} - THEME_STOP

    def keys(theme, props) -> set[str]:
        return {t.key[:5] for p in props for l in graph.objects(theme, p)
                if getattr(l, "language", None) == "fr" for t in tokens(str(l)) if len(t.key) >= 4}

    scores: dict[URIRef, int] = {}
    for theme in sorted(set(graph.subjects(RDF.type, CDV.Theme))):
        named = words & keys(theme, (SKOS.prefLabel, SKOS.altLabel))
        defined = (words & keys(theme, (SKOS.definition,))) - named
        if score := 3 * len(named) + len(defined):
            scores[theme] = score
    if not scores:
        return []
    best = max(scores.values())
    hits = [t for t, v in scores.items() if 2 * v >= best and (v >= 3 or v == best)]
    broader = {b for t in hits for b in graph.objects(t, SKOS.broader)}
    return [str(t) for t in hits if t not in broader]
