"""The role a partner plays where the annex names it, read off the words around its name.

Every partner a drafted resource cites gets a participation (docs/modelling.md §4 bis): the role
the cue words say ("porté par", "en partenariat avec", "copilotée par", "financées par", ", opérateur
de"), its passage running from the cue to the name; else role:partenaire ("partenaire cité") with
the name itself as passage. A guess for the curator, like the rest of the draft.
"""

from __future__ import annotations

import re

from graphe.draft.model import Span

#: (role slug, cue just before the name). First match wins: the more specific cues come first.
BEFORE = [
    ("copilote", r"copilot[ée]+e?s? par"),
    ("financeur", r"financ[ée]+e?s? par"),
    ("operateur", r"op[ée]rateurs? (?:du|de la|de l'|des)"),
    ("partenaire-associe", r"(?:en )?partenariat (?:avec|entre)|en lien (?:étroit )?avec|avec"),
    ("structure-soutenue", r"soutien(?: financier)? (?:aux|à|au)(?: associations?)?"),
    ("porteur", r"(?:port[ée]+e?s?|men[ée]+e?s?|r[ée]alis[ée]+e?s?|d[ée]velopp[ée]+e?s?|propos[ée]+e?s?|anim[ée]+e?s?) par|par"),
]
AFTER = [("operateur", r",?\s*op[ée]rateur")]
ARTICLES = r"(?:\s+(?:la|le|les|l'|l’|du|de la|des|d'|d’|de|aux|au))*\s*"


def role_for(source: str, passage: Span, name: Span) -> tuple[str, Span]:
    """The role slug and the passage that states it, for a partner named at ``name``."""
    after = source[name.end : min(passage.end, name.end + 20)]
    for role, cue in AFTER:  # "la Maison de la Prévention, opérateur de …" outranks the "avec" before it
        m = re.match(rf"{cue}\w*", after, re.I)
        if m:
            return role, Span(name.start, name.end + m.end())
    before = source[max(passage.start, name.start - 60) : name.start]
    for role, cue in BEFORE:
        m = re.search(rf"\b(?:{cue}){ARTICLES}$", before, re.I)
        if m:
            return role, Span(name.start - len(before) + m.start(), name.end)
    return "partenaire", Span(name.start, name.end)
