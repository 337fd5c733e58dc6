"""A job run in a forked child while the parent goes on: ``graphe serve``'s preparation.

The supervisor of ``graphe serve`` lives as long as the service, and its memory counts all that
time; building or checking the dataset imports rdflib, pySHACL and the store (~50 MB). So
that job runs in a forked child, which sends back its result (a pickle on a pipe) or its
GrapheError (class, message, exit code), raised again in the parent as if raised there. The
parent starts the server processes meanwhile (their imports are the longest part of a cold
start) and lets them open the port once :meth:`Apart.result` has returned.

>>> Apart(sum, [1, 2, 3]).result()
6
>>> from graphe.errors import DataError
>>> def broken():
...     raise DataError("jeu de données absent")
>>> Apart(broken).result()
Traceback (most recent call last):
graphe.errors.DataError: jeu de données absent
"""

from __future__ import annotations

import os
import pickle

from graphe import errors
from graphe.errors import GrapheError


class Apart:
    """``job(*args)`` started in a forked child at once; :meth:`result` waits for it."""

    def __init__(self, job, *args):
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read)
            _run_child(write, job, args)
        os.close(write)
        self._read = read

    def result(self):
        """The job's return value, or its error raised here."""
        with os.fdopen(self._read, "rb") as inp:
            data = inp.read()
        os.waitpid(self.pid, 0)
        if not data:
            raise GrapheError("la préparation s'est arrêtée sans réponse.")
        outcome = pickle.loads(data)
        if outcome[0] == "ok":
            return outcome[1]
        _, name, message, code = outcome
        cls = getattr(errors, name, None)
        exc = cls(message) if isinstance(cls, type) and issubclass(cls, GrapheError) else GrapheError(message)
        exc.exit_code = code
        raise exc


def _run_child(write: int, job, args: tuple) -> None:
    code = 0
    try:
        try:
            outcome = ("ok", job(*args))
        except GrapheError as exc:
            outcome = ("error", type(exc).__name__, str(exc), exc.exit_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the parent, in French
            outcome = ("error", "GrapheError", f"préparation impossible : {type(exc).__name__}: {exc}", 1)
        with os.fdopen(write, "wb") as out:
            pickle.dump(outcome, out)
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        code = 1
    finally:
        os._exit(code)
