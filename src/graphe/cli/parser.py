"""An argparse parser that speaks French: headings, help, and its own error messages.

argparse writes its messages in English (``the following arguments are required``); a curator
reads French only, so the parser's errors are translated here, and its usage errors exit with
:data:`USAGE` (see the table in :mod:`graphe.cli`).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

#: Exit code of a usage error (unknown option, missing argument, invalid choice).
USAGE = 64

_TRANSLATIONS = [
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments non reconnus : \1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"argument \1 : choix invalide \2 (choix : \3)"),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"argument \1 : valeur invalide \3 (attendu : \2)"),
    (r"argument (.*?): expected one argument", r"argument \1 : une valeur est attendue"),
    (r"argument (.*?): expected at least one argument", r"argument \1 : au moins une valeur est attendue"),
    (r"argument (.*?): not allowed with argument (.*)", r"argument \1 : incompatible avec \2"),
    (r"one of the arguments (.*) is required", r"un des arguments \1 est obligatoire"),
    (r"argument (.*?): ignored explicit argument (.*)", r"argument \1 : valeur inattendue \2"),
    (r"ambiguous option: (.*?) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
]
_WORDS = {"int": "un entier", "float": "un nombre", "Path": "un chemin"}


def translate(message: str) -> str:
    """argparse's English error message in French (unknown messages pass unchanged).

    >>> translate("the following arguments are required: REQUETE")
    'arguments obligatoires manquants : REQUETE'
    >>> translate("argument --port: invalid int value: 'x'")
    "argument --port : valeur invalide 'x' (attendu : un entier)"
    """
    for pattern, replacement in _TRANSLATIONS:
        m = re.fullmatch(pattern, message)
        if m:
            out = m.expand(replacement)
            for word, french in _WORDS.items():
                out = out.replace(f"(attendu : {word})", f"(attendu : {french})")
            return out
    return message


class FrenchParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with French headings, ``-h`` help and errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="afficher cette aide et sortir")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "utilisation :", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "utilisation :", 1)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"{self.prog} : erreur d'utilisation : {translate(message)}\n")
