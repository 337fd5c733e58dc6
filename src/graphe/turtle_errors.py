"""rdflib's Turtle syntax errors, explained in French with the line and the text around it.

rdflib's parser says why in English (``expected '.' or '}' or ']' at end of statement``); a
curator reads French, so each of its messages is rendered here, and the excerpt shows where on
the line the parser stopped. A message this table does not know is kept, after a French lead.
"""

from __future__ import annotations

import re

_MESSAGES = [
    (r"expected '\.' or '\}' or '\]' at end of statement",
     "fin d'énoncé attendue : « . » (ou « ; » / « , » pour continuer) — un point oublié à la ligne précédente ?"),
    (r"Prefix \"(.*):\" not bound", r"préfixe « \1: » non déclaré (voir ontology/prefixes.ttl)"),
    (r"unterminated string literal", "chaîne de caractères non fermée (guillemet manquant)"),
    (r"unterminated URI reference", "IRI non fermée (« > » manquant)"),
    (r"objectList expected.*", "valeur attendue après la propriété"),
    (r"expected propertylist|property_list expected", "propriété attendue"),
    (r"EOF found.*|needed '\$?\}', found end\.|EOF after '\['", "fin du fichier inattendue (bloc ou énoncé non terminé)"),
    (r"'\]' expected", "« ] » attendu (nœud anonyme non fermé)"),
    (r"expected: ','", "« , » attendu"),
    (r"bad escape", "séquence d'échappement invalide (« \\ » suivi d'un caractère non prévu)"),
    (r"expected directive or statement", "directive (@prefix) ou énoncé attendu"),
    (r"expected qname after @prefix", "nom de préfixe attendu après @prefix"),
    (r"expected <uriref> after @prefix _qname_", "IRI attendue après le nom du préfixe"),
    (r"bad list content|expected item in list or .*", "contenu de liste invalide"),
    (r"Keyword \"(.*)\" not allowed here\.", r"mot-clé « \1 » interdit ici"),
    (r"Found .* in Turtle mode.*|Found 'keywords' when in Turtle mode\.", "syntaxe N3 interdite en Turtle"),
]


def explain(why: str) -> str:
    """rdflib's reason in French.

    >>> explain('Prefix "cvd:" not bound')
    'préfixe « cvd: » non déclaré (voir ontology/prefixes.ttl)'
    >>> explain("objectList expected")
    'valeur attendue après la propriété'
    """
    why = why.strip()
    for pattern, french in _MESSAGES:
        m = re.fullmatch(pattern, why)
        if m:
            return m.expand(french)
    return f"syntaxe incorrecte (message de l'analyseur : {why})"


def excerpt(text: str, offset: int, width: int = 40) -> str:
    """The text of the line around ``offset``, with ``⟨ici⟩`` where the parser stopped.

    >>> excerpt("a b\\n<x> <y> <z> ;\\n", 16)
    '<x> <y> <z> ⟨ici⟩;'
    """
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    before = text[max(start, offset - width) : offset].lstrip()
    after = text[offset : min(end, offset + width)].rstrip()
    return f"{before}⟨ici⟩{after}"


def describe(exc) -> str:
    """``ligne N : why (« excerpt »)`` for a rdflib ``BadSyntax``."""
    text, offset = getattr(exc, "_str", ""), getattr(exc, "_i", 0)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    where = f" — « {excerpt(text, offset)} »" if text else ""
    return f"ligne {exc.lines + 1} : Turtle invalide : {explain(str(exc._why))}{where}"
