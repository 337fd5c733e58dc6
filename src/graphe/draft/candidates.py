"""Names that look like organisations the graph does not know: listed for the curator, never linked.

Four patterns, each a habit of these annexes: a keyword of organisations followed by a proper
name ("service Animation Sportive", "association …", "MPT du Bois l'Abbé"); a run of two or
more capitalised words ("Quai de la Réussite"); the items of a parenthesised list of names
("(Confluences, Régie de Quartier, Au fil de l'eau)"); and acronyms ("ADIL", "(APS)"). Whatever a
known name already covers is skipped, and so are the few acronyms of the policy's vocabulary
that never name an organisation (QPV, BTP…).
"""

from __future__ import annotations

import re

from graphe.draft.model import Candidate, Span
from graphe.draft.segment import fold

KEYWORDS = (
    "association|associations|service|services|direction|mission|maison|espace|collectif|regie|institut|"
    "centre|comite|commission|agence|office|caisse|fondation|federation|club|mpt|pole|reseau|groupe|"
    "entreprise|societe|cabinet|bailleur|conseil"
)
WORD = r"[^\W\d_][\w'’\-]*"
PARTICLE = r"(?:de|du|des|la|le|les|l'|l’|d'|d’|et|en|à|au|aux|sur)"
KEYWORD_NAME = re.compile(
    rf"\b(?i:{KEYWORDS.replace('e', '[eéè]')})\b(?:\s+{PARTICLE})*\s*(?:\s*{PARTICLE}\s*)*(?=[A-ZÀ-Þ])"
    rf"{WORD}(?:\s+(?:{PARTICLE}\s+|{PARTICLE})*[A-ZÀ-Þ]{WORD})*"
)
CAPITALISED = re.compile(rf"\b[A-ZÀ-Þ]{WORD}(?:\s+(?:{PARTICLE}\s+|{PARTICLE})*[A-ZÀ-Þ]{WORD})+")
PAREN_LIST = re.compile(r"\(([^()]*,[^()]*)\)")
ACRONYM = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,}|\b[A-Z][A-Z0-9]{1,}(?:\s?\d+)?\b\+?")
NOT_ORGANISATIONS = {"QPV", "BTP", "COPIL", "FLE", "EPT", "ESS", "NB", "TFPB", "VDO", "APS"}
#: "service municipal de la parentalité", "pôle local des acteurs…": a lowercase organisation keyword
#: made a name by an adjective of public bodies (or "de travail"), up to the next pause.
DESCRIBED = re.compile(
    r"\b(?:service|pôle|réseau|groupe|commission|comité|conseil|collectif|mission|direction)"
    r"\s+(?:(?:local|locale|municipal|municipale|départemental|départementale|territorial|territoriale|"
    r"communal|communale|extramunicipal|extramunicipale|intercommunal|intercommunale)\b|de travail\b)"
    r"(?:\s+(?!(?:tout|afin|pour|avec|par|qui|que|dans|en|notamment)\b)[\w'’«»\-]+){0,6}"
)
#: "Direction du développement économique": a capitalised keyword opens a name even in lowercase.
CAPITAL_KEYWORD = re.compile(
    r"\b(?:Direction|Service|Mission|Maison|Espace|Pôle|Agence|Office|Caisse|Institut|Centre)"
    rf"(?:\s+{PARTICLE})+(?:\s*{PARTICLE})*\s*[a-zà-ÿ][\w\-]*(?:\s+(?!(?:avec|pour|par|qui|que|dans|sur|en|afin)\b)[a-zà-ÿ][\w\-]*)?"
)
QUARTIER = re.compile(rf"\bquartiers?(?:\s+{PARTICLE})+\s*(?:«\s*)?[A-ZÀ-Þ0-9]{WORD}(?:\s+(?:{PARTICLE}\s+|{PARTICLE})*[A-ZÀ-Þ]{WORD})*")
PERSON = re.compile(r"(?:Monsieur|Madame|M\.|Mme)\s+$")
LEADING_ARTICLES = {"et", "ou", "le", "la", "les", "l", "un", "une", "des", "ce", "cette", "ces", "de", "du", "en", "au", "aux"}


def find(source: str, spans: list[Span], known: list[Span], inside: list[Span] = ()) -> list[Candidate]:
    """Candidates in ``spans`` (the section's text), skipping what ``known`` names touch and what
    lies wholly ``inside`` another name (the EPT's, a commune's: "Champigny Ville Durable" stays)."""
    found: dict[str, Candidate] = {}

    def keep(start: int, end: int, reason: str) -> None:
        start, end = _trim(source, start, end)
        if end - start < 2:
            return
        touching = [k for k in known if k.start < end and start < k.end]
        if touching:  # "Maison de la Prévention [known] et l'Institut Renaudot": keep what follows
            tail = max(k.end for k in touching)
            if tail < end:
                keep(tail, end, reason)
            return
        if any(k.start <= start and end <= k.end for k in inside):
            return
        name = source[start:end]
        if PERSON.search(source[max(0, start - 10) : start]) or "<" in name or re.search(r"\b(?:Monsieur|Madame)\b", name):
            return
        if name in NOT_ORGANISATIONS or (" " not in name and not name.isupper() and reason != "liste"):
            return
        key = fold(name)
        if key not in found:
            found[key] = Candidate(name, Span(start, end), reason)

    for span in spans:
        text = source[span.start : span.end]
        for m in KEYWORD_NAME.finditer(text):
            keep(span.start + m.start(), span.start + m.end(), "nom d'organisme")
        for pattern, reason in ((DESCRIBED, "nom d'organisme"), (CAPITAL_KEYWORD, "nom d'organisme"), (QUARTIER, "quartier")):
            for m in pattern.finditer(text):
                keep(span.start + m.start(), span.start + m.end(), reason)
        for m in PAREN_LIST.finditer(text):
            pos = span.start + m.start(1)
            for item in m.group(1).split(","):
                lead = len(item) - len(item.lstrip())
                if item.strip()[:1].isupper():
                    keep(pos + lead, pos + len(item.rstrip()), "liste")
                pos += len(item) + 1
        for m in CAPITALISED.finditer(text):
            keep(span.start + m.start(), span.start + m.end(), "noms propres")
        for m in ACRONYM.finditer(text):
            keep(span.start + m.start(), span.start + m.end(), "sigle")
    return sorted(found.values(), key=lambda c: c.span.start)


def _trim(source: str, start: int, end: int) -> tuple[int, int]:
    """Without a leading article or a trailing particle ("Le Quai de la" → "Quai"), nor a verb
    opening the sentence ("Systématiser le COPIL")."""
    words = list(re.finditer(r"\S+", source[start:end]))
    at_start = start == 0 or source[:start].rstrip(" *_")[-1:] in ("", "\n", ".", "-", ":")
    if at_start and len(words) > 1 and words[0].group().lower().endswith(("er", "ir", "re")):
        words.pop(0)
    while words and fold(words[0].group()).rstrip("'’") in LEADING_ARTICLES and len(words) > 1:
        words.pop(0)
    while words and re.fullmatch(PARTICLE, words[-1].group(), re.I):
        words.pop()
    if not words:
        return start, start
    first = start + words[0].start()
    if re.match(r"[lLdD]['’][A-ZÀ-Þ]", source[first : first + 3]):
        first += 2  # "l'Institut Renaudot" → "Institut Renaudot"
    return first, start + words[-1].end()
