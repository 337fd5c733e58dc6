"""The ``graphe`` command: one shell, one module per group of subcommands.

Each module of this package registers its subcommands and calls the library; errors are
:class:`graphe.errors.GrapheError`\\ s, printed as one French line (plus the report, for a
failed validation) on stderr with the error's exit code — never a traceback:

====  =====================================================================
code  meaning
====  =====================================================================
0     success
1     other failure (coverage under ``--fail-under``, unexpected error)
2     DataError: a file cannot be read (malformed Turtle: file and line)
3     ValidationFailed: SHACL or cross-entity checks found violations
4     ReasoningFailed: HermiT found the ontology and data inconsistent
5     ProvenanceError: a quote is not at its offsets in its source document
6     BadRequest: malformed SPARQL, unknown query or parameter, bad format
7     QueryTimeout
8     PublishError: the external store refused the release or could not be reached (``graphe publish``)
64    usage error: unknown option, missing argument, invalid choice (``sysexits.h`` EX_USAGE)
130   interrupted (Ctrl-C)
====  =====================================================================

Adding a subcommand (say ``graphe publish``) takes one new module and one line:

1. ``src/graphe/cli/publish.py`` defines ``register(sub)``, which calls
   ``sub.add_parser("publish", help="…")`` (French help on the command and on every option),
   adds its options, and ``set_defaults(func=run)``; ``run(args) -> int`` imports what it
   needs inside the function (so ``graphe --help`` stays fast) and returns the exit code, or
   raises a ``GrapheError``.
   A command whose options are costly to set up (``serve`` reads the endpoint's defaults,
   which loads the web stack) returns its parser from ``register`` and defines
   ``add_arguments(p)``, called only when that command is the one being run.
2. Add ``"publish"`` to :data:`COMMANDS` below, where it should appear in ``graphe --help``.

``tests/test_cli.py`` checks that every registered subcommand and every option has help.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys

from graphe import __version__
from graphe.cli.parser import USAGE, FrenchParser
from graphe.errors import GrapheError, ValidationFailed

#: Modules of this package, in the order of ``graphe --help``; each has ``register(sub)``.
COMMANDS = ["build", "validate", "query", "stats", "coverage", "passage", "draft", "serve", "publish"]


def make_parser(argv: list[str] | None = None) -> FrenchParser:
    parser = FrenchParser(
        prog="graphe",
        description="Graphe de connaissances des contrats de ville de Paris Est Marne&Bois.",
        epilog="Codes de sortie : 0 succès, 2 fichier illisible, 3 violations, 4 incohérence logique, "
        f"5 citation mal ancrée, 6 requête invalide, 7 délai dépassé, 8 publication refusée, {USAGE} erreur d'utilisation.",
    )
    parser.add_argument("--version", action="version", version=f"graphe {__version__}",
                        help="afficher la version et sortir")
    sub = parser.add_subparsers(title="commandes", metavar="COMMANDE")
    wanted = next((a for a in argv or [] if not a.startswith("-")), None)
    for name in COMMANDS:
        module = importlib.import_module(f"graphe.cli.{name.replace('-', '_')}")
        p = module.register(sub)
        if hasattr(module, "add_arguments") and (name == wanted or argv is None):
            module.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from graphe.project import current, using

    args.project = current()  # found once; every command works on it, and what it calls too
    try:
        with using(args.project):
            code = args.func(args) or 0
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it would be lost
        return code
    except ValidationFailed as exc:
        if exc.report:
            _say(exc.report.rstrip("\n"))
        _say(f"graphe: {exc}")
        return exc.exit_code
    except GrapheError as exc:
        _say(f"graphe: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("graphe: interrompu")
        return 130
    except BrokenPipeError:  # `graphe query … | head`: the reader left; not a success
        _quiet_stdout()
        return 141  # as a shell reports a process killed by SIGPIPE (128 + 13)
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _quiet_stdout()
            return 141
        _say(f"graphe: erreur d'entrée-sortie : {exc.strerror or exc}")
        return 1
    except Exception as exc:  # a bug: say so in one line (GRAPHE_DEBUG=1 shows the traceback)
        if os.environ.get("GRAPHE_DEBUG"):
            raise
        _say(f"graphe: erreur interne ({type(exc).__name__}) : {exc}")
        return 1


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _quiet_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
