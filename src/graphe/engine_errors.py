"""What an engine's exception during evaluation means for the client.

Oxigraph raises ``RuntimeError`` for evaluation errors that the query itself causes (a
function it does not know, ``xsd:byte("1e99999")`` — a cast it does not offer) and
``OSError`` for its storage. The first are the client's to fix: 400 with the engine's own
message (after a French sentence saying what it is); only the second is the server's (500).

>>> e = engine_error(RuntimeError("The custom function <http://www.w3.org/2001/XMLSchema#byte> is not supported"))
>>> type(e).__name__, str(e).split(" (")[0]
('BadRequest', 'fonction inconnue du moteur : <http://www.w3.org/2001/XMLSchema#byte>')
>>> type(engine_error(OSError("disque"))).__name__
'QueryFailed'
"""

from __future__ import annotations

import re

from graphe.errors import BadRequest, GrapheError, QueryFailed

_UNKNOWN_FUNCTION = re.compile(r"custom function (<[^>]*>) is not supported")
_STORAGE = ("corrupt", "storage", "rocksdb", "i/o", "io error")


def engine_error(exc: BaseException) -> GrapheError:
    """The GrapheError for an exception the engine raised while evaluating a query."""
    message = " ".join(str(exc).split())[:500]
    lowered = message.lower()
    if isinstance(exc, OSError) or any(word in lowered for word in _STORAGE):
        return QueryFailed(f"échec de l'évaluation : {message}")
    found = _UNKNOWN_FUNCTION.search(message)
    if found:
        return BadRequest(f"fonction inconnue du moteur : {found.group(1)} (message du moteur : {message}).")
    return BadRequest(f"le moteur ne peut pas évaluer cette requête (message du moteur : {message}).")
