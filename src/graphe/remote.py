"""A remote SPARQL 1.1 store behind graphe's store interface: ``graphe serve --store URL``.

For who outgrows one machine: the data lives in a server of its own (Virtuoso, Oxigraph
server, QLever, GraphDB… anything that answers the SPARQL 1.1 Protocol), filled by
``graphe publish``, and graphe keeps doing what it does in front of it: the guard, the time
limit (the worker waiting on the remote answer is killed as any other), the row cap (applied
while the answer streams in, so a huge answer is never read whole), the formats, the pages.

The dataset is made explicit in every request, as the guard already makes it explicit:
``default-graph-uri`` and ``named-graph-uri`` name the release's graphs (or the request's
own choice among them). So a store's other graphs (Virtuoso's system graphs, a release being
loaded by ``graphe publish``, the publication record) are never seen, and the default graph
is the union of the release's graphs on every engine, whatever the engine's own default is.
The engine gets the text as the client wrote it, with the prefixes it used undeclared and the
service's base IRI stated before it (``PREFIX`` / ``BASE`` lines; a ``BASE`` of the client's
own comes after, so it still wins).

Answers are read as SPARQL XML results and N-Triples, parsed by Oxigraph's parsers
into the same neutral terms as the embedded stores give, and written by the same writers: a
client gets the same bytes from every engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from graphe import guard, results
from graphe.errors import BadRequest, GrapheError, QueryFailed, Refused
from graphe.namespaces import NAMESPACES
from graphe.store import Answer, Store

log = logging.getLogger("graphe.remote")

#: The graph where ``graphe publish`` records which release the store holds (never a release graph).
PUBLICATION = NAMESPACES["graphe"] + "publication"
_OWL_VERSION = NAMESPACES["owl"] + "versionInfo"
_HAS_PART = NAMESPACES["dcterms"] + "hasPart"
_NO_GRAPH = NAMESPACES["graphe"] + "aucun"  # never written: an empty graph
#: One media type per request: Virtuoso 7 answers 406 when the first type of a list does not
#: fit the query form, whatever the others.
_SOLUTIONS = "application/sparql-results+xml"
_GRAPH = "application/n-triples"
#: Seconds to wait for a remote answer; the endpoint's own time limit kills the worker sooner.
HTTP_TIMEOUT = 600.0


def is_remote(spec: str) -> bool:
    """Whether a ``--store`` value names a remote store (an http(s) URL).

    >>> is_remote("http://127.0.0.1:7878/query"), is_remote("oxigraph:/tmp/base")
    (True, False)
    """
    return spec.startswith(("http://", "https://"))


def release_graph(iri: str) -> bool:
    """A graph of a release: ``graphe:{name}``, not the publication record nor a staged copy.

    >>> release_graph(NAMESPACES["graphe"] + "annexe-1"), release_graph(PUBLICATION), release_graph(NAMESPACES["graphe"] + "depot/ab/x")
    (True, False, False)
    """
    ns = NAMESPACES["graphe"]
    return iri.startswith(ns) and iri != PUBLICATION and "/" not in iri[len(ns):] and len(iri) > len(ns)


class RemoteStore(Store):
    """A SPARQL 1.1 Protocol query endpoint at ``url``, read-only."""

    kind = "remote"

    def __init__(self, url: str, **kwargs):
        super().__init__(**kwargs)
        self.url = url

    def load(self, path: Path | None = None) -> RemoteStore:
        """Nothing to load (``graphe publish`` filled the store): check it answers, list its graphs."""
        self._graphs = None
        self.graphs()
        return self

    # --- talking to the store -------------------------------------------------------------

    def _post(self, text: str, default: Iterable[str] | None, named: Iterable[str] | None, accept: str = _SOLUTIONS):
        fields = [("query", text)]
        fields += [("default-graph-uri", g) for g in default or ()]
        fields += [("named-graph-uri", g) for g in named or ()]
        request = urllib.request.Request(
            self.url, data=urlencode(fields).encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        try:
            return urllib.request.urlopen(request, timeout=HTTP_TIMEOUT)  # noqa: S310 - the operator's own URL
        except urllib.error.HTTPError as exc:
            detail = exc.read(600).decode("utf-8", "replace").strip().replace("\n", " ")
            if exc.code == 400:
                raise BadRequest(f"requête refusée par le magasin distant : {detail}") from None
            raise QueryFailed(f"le magasin distant a répondu {exc.code} : {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise QueryFailed(f"magasin distant injoignable ({self.url}) : {reason}") from None

    def _select(self, text: str, default=None, named=None) -> list[tuple]:
        answer = self._answer(self._post(text, default, named))
        return list(answer.rows) if answer.kind == "solutions" else []

    def _answer(self, response) -> Answer:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            rdf = ox.RdfFormat.from_media_type(media_type)
            if rdf is not None:
                return Answer("graph", triples=_triples(response, rdf))
            fmt = ox.QueryResultsFormat.from_media_type(media_type)
            if fmt is None:
                raise QueryFailed(f"réponse du magasin distant dans un format inattendu : {media_type or 'absent'}.")
            parsed = ox.parse_query_results(response, fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            response.close()
            raise QueryFailed(f"réponse illisible du magasin distant : {exc}") from None
        if isinstance(parsed, ox.QueryBoolean):
            response.close()
            return Answer("boolean", boolean=bool(parsed))
        variables = [v.value for v in parsed.variables]
        return Answer("solutions", variables, _rows(parsed, response))

    # --- the store interface --------------------------------------------------------------

    def _named_graphs(self) -> Iterable[str]:
        recorded = [row[0][1] for row in self._select(
            f"SELECT ?g WHERE {{ ?release <{_HAS_PART}> ?g }}", [PUBLICATION], [],
        ) if row[0] and row[0][0] == "uri"]
        if recorded:
            return recorded
        ns = NAMESPACES["graphe"]
        # GROUP BY, not DISTINCT: Virtuoso 7 can spin until its time limit on SELECT DISTINCT ?g
        rows = self._select(
            f'SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{ns}")) }} GROUP BY ?g'
        )
        return [row[0][1] for row in rows if row[0] and release_graph(row[0][1])]

    def version(self) -> str | None:
        """The release the store holds, as ``graphe publish`` recorded it (None if unrecorded)."""
        rows = self._select(f"SELECT ?v WHERE {{ ?release <{_OWL_VERSION}> ?v }}", [PUBLICATION], [])
        return rows[0][0][1] if rows and rows[0][0] else None

    def _evaluate(self, checked: guard.CheckedQuery) -> Answer:
        _refuse_extensions(checked)
        lines = [f"BASE <{checked.base}>"] if checked.base else []
        lines += [f"PREFIX {p}: <{ns}>" for p, ns in checked.prefixes.items()]
        text = "\n".join([*lines, checked.text])
        if checked.default_graphs is None:
            default = named = self.graphs()
        else:  # an empty side named by a graph that holds nothing: left out, the engine takes all its graphs
            default = checked.default_graphs or (_NO_GRAPH,)
            named = checked.named_graphs or (_NO_GRAPH,)
        accept = _GRAPH if checked.form in ("CONSTRUCT", "DESCRIBE") else _SOLUTIONS
        answer = self._answer(self._post(text, default, named, accept))
        if checked.form == "ASK" and answer.kind == "solutions" and [v.lower() for v in answer.variables] == ["__ask_retval"]:
            # Virtuoso 7 answers ASK with one row binding __ASK_RETVAL to 1 or 0
            row = next(answer.rows, None)
            return Answer("boolean", boolean=bool(row and row[0] and row[0][1] in ("1", "true")))
        return answer


#: Namespaces of engine extensions that reach outside SPARQL: Virtuoso's SQL built-ins
#: (``bif:file_to_string``, ``bif:http_get``…) and SQL pragmas.
_EXTENSIONS = ("bif:", "sql:")


def _refuse_extensions(checked: guard.CheckedQuery) -> None:
    """What the embedded engines reject by themselves, a remote engine may run: a text that
    does not start as a query (Virtuoso's ``define get:soft …`` pragmas fetch URLs) and calls
    into an engine's own functions. Both are refused before the store sees them."""
    if checked.form is None:
        raise Refused("requête refusée : le texte doit commencer par SELECT, CONSTRUCT, DESCRIBE ou ASK "
                      "(après PREFIX et BASE) ; les directives propres à un moteur ne sont pas admises.")
    for tok in guard.tokens(checked.text):
        text = tok.text[1:-1] if tok.kind == "iri" else tok.text if tok.kind == "word" else ""
        if text.lower().startswith(_EXTENSIONS):
            raise Refused(f"requête refusée : {tok.text} appelle une fonction propre à un moteur.")


def _rows(solutions, response) -> Iterator[tuple]:
    term = results.ox_term
    try:
        for row in solutions:
            yield tuple(map(term, row))
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryFailed(f"réponse illisible du magasin distant : {exc}") from None
    finally:
        response.close()


def _triples(response, rdf_format) -> Iterator[ox.Triple]:
    try:
        for quad in ox.parse(response, rdf_format):
            yield quad.triple
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryFailed(f"réponse illisible du magasin distant : {exc}") from None
    finally:
        response.close()


# --- following publications -------------------------------------------------------------------


def remote_version(url: str) -> str:
    """The version ETags name: the one ``graphe publish`` recorded, or a digest of the graphs'
    sizes for a store filled some other way (so a change of data still changes the ETags)."""
    store = RemoteStore(url)
    recorded = store.version()
    if recorded:
        return recorded
    sizes = repr(sorted(store.count().items())).encode()
    return "non-publiee-" + hashlib.sha256(sizes).hexdigest()


async def follow(runtime, interval: float) -> None:
    """Every ``interval`` seconds, take up a new publication: the version (hence the ETags and
    the cache keys), the graphs and their sizes. The data itself needs nothing: every query
    already reads the store as it is now."""
    loop = asyncio.get_running_loop()
    url = runtime.settings.store
    while True:
        await asyncio.sleep(interval)
        try:
            version = await loop.run_in_executor(None, remote_version, url)
            if version == runtime.version:
                continue
            store = await loop.run_in_executor(None, lambda: RemoteStore(url).load())
            counts = await loop.run_in_executor(None, store.count)
            size = await loop.run_in_executor(None, store.size)
        except GrapheError as exc:
            log.warning("magasin distant : version illisible (%s) ; la précédente reste en service.", exc)
            continue
        executor = runtime.executor
        executor.graphs, executor.counts, executor.size_union = store.graphs(), counts, size
        log.info("magasin distant : version %s publiée, prise en compte.", version[:12])
        runtime.version = version
