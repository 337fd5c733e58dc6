"""The store interface and its two embedded engines: Oxigraph (default) and rdflib (reference).

A store loads the built N-Quads once, then answers queries as bytes in a requested format.
The endpoint's default graph is the union of the named graphs, unless the request names its
dataset (``FROM`` / ``FROM NAMED`` or the protocol's ``default-graph-uri`` /
``named-graph-uri``), and then only among the dataset's own graphs. Every query goes through
:func:`graphe.guard.check` first, here too, so that a store used directly (tests, scripts)
is as safe as the endpoint: no Update, no SERVICE, no graph fetched from a URL or a file.

``query`` applies a row cap while writing (``Result.truncated`` says it cut) and a deadline
checked between rows. That deadline cannot interrupt an engine inside one step (a sort, an
aggregate): the endpoint runs stores in worker processes that it kills at the time limit
(:mod:`graphe.executor`), which is the real timeout.

>>> import pyoxigraph as ox, tempfile, pathlib
>>> nq = pathlib.Path(tempfile.mkdtemp()) / "d.nq"
>>> _ = nq.write_text('<http://x/a> <http://x/p> "1" <https://w3id.org/contrats-de-ville/graphe/annexe-1> .\\n')
>>> for store in (OxigraphStore(), RdflibStore()):
...     r = store.load(nq).query("SELECT ?s WHERE { ?s ?p ?o }", format="csv")
...     print(store.kind, r.body, r.rows)
oxigraph b's\\r\\nhttp://x/a\\r\\n' 1
rdflib b's\\r\\nhttp://x/a\\r\\n' 1
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from graphe import diskstore, guard, results
from graphe.engine_errors import engine_error
from graphe.errors import BadRequest, DataError, GrapheError, QueryFailed, QueryTimeout
from graphe.namespaces import SERVICE_IRI
from graphe.namespaces import prefixes as project_prefixes
from graphe.terms import ox_triple, rdflib_term

#: Row cap used when the caller gives none (the endpoint passes its own setting).
DEFAULT_ROW_LIMIT = 10_000
_DEADLINE_EVERY = 256  # rows between two looks at the clock


@dataclass(frozen=True)
class Result:
    """A serialised answer. ``rows`` counts solutions or triples written."""

    body: bytes
    format: str  # a graphe.formats name: json, xml, csv, tsv, html, turtle, ntriples, jsonld, rdfxml
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE ("graph" answers are CONSTRUCT/DESCRIBE)
    rows: int
    truncated: bool


@dataclass
class Answer:
    """What an engine returned, before writing: solutions, a boolean or triples."""

    kind: str  # "solutions", "boolean" or "graph"
    variables: list[str] | None = None
    rows: Iterator[tuple] | None = None  # neutral terms, see graphe.results
    boolean: bool = False
    triples: Iterator[ox.Triple] | None = None
    solutions: ox.QuerySolutions | None = None  # Oxigraph's own, not yet read (its JSON writer is faster)


class Store(ABC):
    """A loaded dataset that answers SPARQL queries (read-only)."""

    kind = "store"

    def __init__(
        self, prefixes: dict[str, str] | None = None, limits: guard.Limits | None = None, base: str = SERVICE_IRI,
    ):
        #: prefixes a query may use without declaring them (the project's table by default)
        self.prefixes = dict(project_prefixes() if prefixes is None else prefixes)
        self.limits = limits or guard.Limits()
        self.base = base  # relative IRIs in a query resolve against it
        self._graphs: list[str] | None = None

    @abstractmethod
    def load(self, path: Path) -> Store:
        """Load an N-Quads file (once); returns self."""

    @abstractmethod
    def _named_graphs(self) -> Iterable[str]: ...

    @abstractmethod
    def _evaluate(self, checked: guard.CheckedQuery) -> Answer: ...

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        if self._graphs is None:
            self._graphs = sorted(self._named_graphs())
        return self._graphs

    def check(
        self, sparql: str, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()
    ) -> guard.CheckedQuery:
        return guard.check(
            sparql,
            graphs=self.graphs(),
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            prefixes=self.prefixes,
            limits=self.limits,
            base=self.base,
        )

    def query(
        self,
        sparql: str | guard.CheckedQuery,
        *,
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        timeout: float | None = None,
        format: str | None = None,
        row_limit: int | None = DEFAULT_ROW_LIMIT,
    ) -> Result:
        """Run a query; the answer serialised in ``format`` (json / turtle by default).

        ``sparql`` is a text (checked here, with the protocol's graph URIs) or an already
        :class:`~graphe.guard.CheckedQuery`. A ``format`` that does not fit the answer (CSV
        for a CONSTRUCT) falls back to the answer's default format.
        """
        if isinstance(sparql, str):
            checked = self.check(sparql, default_graph_uris, named_graph_uris)
        else:
            checked = sparql
        deadline = time.monotonic() + timeout if timeout else None
        answer = self._evaluate(checked)
        cap = row_limit if row_limit is not None and row_limit >= 0 else None
        if answer.kind == "boolean":
            fmt = format if format in ("json", "xml", "csv", "tsv", "html") else "json"
            return Result(results.write_boolean(answer.boolean, fmt), fmt, "ASK", 1, False)
        if answer.kind == "solutions":
            fmt = format if format in ("json", "xml", "csv", "tsv", "html") else "json"
            if fmt == "json" and answer.solutions is not None and deadline is None:
                if (written := results.engine_json(answer.solutions, cap)) is not None:
                    return Result(written[0], fmt, "SELECT", written[1], written[2])
                answer = self._evaluate(checked)  # too large to write at once: row by row, up to the cap
            rows = _take(answer.rows, cap, deadline, timeout)
            truncated = cap is not None and len(rows) > cap
            rows = rows[:cap] if truncated else rows
            body = results.write_solutions(answer.variables, rows, fmt)
            return Result(body, fmt, "SELECT", len(rows), truncated)
        fmt = format if format in results.GRAPH_FORMATS else "turtle"
        triples = _take(answer.triples, cap, deadline, timeout)
        truncated = cap is not None and len(triples) > cap
        triples = triples[:cap] if truncated else triples
        body = results.write_graph(triples, fmt, self.prefixes)
        form = checked.form if checked.form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
        return Result(body, fmt, form, len(triples), truncated)

    def count(self) -> dict[str, int]:
        """Triples per named graph (for the service description and /health)."""
        text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        answer = self._evaluate(guard.CheckedQuery(text, "SELECT"))
        return {g[1]: int(n[1]) for g, n in answer.rows}

    def size(self) -> int:
        """Distinct triples in the default graph (the union of the named graphs)."""
        text = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        answer = self._evaluate(guard.CheckedQuery(text, "SELECT"))
        return int(next(answer.rows)[0][1])


def _take(items: Iterator, cap: int | None, deadline: float | None, timeout: float | None) -> list:
    """At most ``cap + 1`` items (one more tells the cap was reached), watching the deadline."""
    taken = []
    source = items if cap is None else islice(items, cap + 1)
    try:
        if deadline is None:
            taken = list(source)
        else:
            for i, item in enumerate(source):
                taken.append(item)
                if i % _DEADLINE_EVERY == 0 and time.monotonic() > deadline:
                    raise QueryTimeout(f"délai dépassé ({timeout:g} s).")
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise engine_error(exc) from None
    return taken


# --- Oxigraph ------------------------------------------------------------------------------


class OxigraphStore(Store):
    """Oxigraph through pyoxigraph: in memory, or on disk at ``location``.

    On disk, :meth:`prepare` bulk-loads the database once (in the server's main process) and
    each worker then opens it read-only, which several processes may do at once.
    """

    kind = "oxigraph"

    def __init__(self, location: Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.location = Path(location) if location else None
        self.engine: ox.Store | None = None  # public: graphe.inline writes SELECT JSON from it directly
        self._stamp: dict | None = None  # on disk: what diskstore.prepare computed

    def prepare(self, path: Path) -> None:
        """On disk: (re)build the database from ``path`` unless it already holds that file."""
        if self.location is not None:
            diskstore.prepare(self.location, path)

    def load(self, path: Path) -> OxigraphStore:
        self._stamp = None
        if self.location is None:
            self.engine = ox.Store()
            _bulk_load(self.engine, path)
        else:
            self.prepare(path)
            self.engine = diskstore.open_read_only(self.location)
            self._stamp = diskstore.read_stamp(self.location)
        self._graphs = None
        return self

    def count(self) -> dict[str, int]:
        if self._stamp:  # computed once, when the database was prepared
            return dict(self._stamp["counts"])
        return super().count()

    def size(self) -> int:
        if self._stamp:
            return self._stamp["size_union"]
        return super().size()

    def _named_graphs(self) -> Iterable[str]:
        return [g.value for g in self.engine.named_graphs() if isinstance(g, ox.NamedNode)]

    def _evaluate(self, checked: guard.CheckedQuery) -> Answer:
        if checked.default_graphs is None:
            options = {"use_default_graph_as_union": True}
        else:
            options = {
                "default_graph": [ox.NamedNode(g) for g in checked.default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in checked.named_graphs or ()],
            }
        try:
            answer = self.engine.query(
                checked.text, prefixes=checked.prefixes or None, base_iri=checked.base, **options
            )
        except SyntaxError as exc:
            raise BadRequest(f"requête SPARQL invalide : {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise engine_error(exc) from None
        if isinstance(answer, ox.QueryBoolean):
            return Answer("boolean", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            term = results.ox_term
            return Answer("solutions", variables, (tuple(map(term, row)) for row in answer), solutions=answer)
        return Answer("graph", triples=iter(answer))


def _bulk_load(store: ox.Store, path: Path) -> None:
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: N-Quads illisibles : {exc}") from None


file_digest = diskstore.file_digest  # the dataset version when it is dataset.nq


# --- rdflib --------------------------------------------------------------------------------


class RdflibStore(Store):
    """rdflib's SPARQL engine: slow, but the reference the Oxigraph answers are compared with.

    rdflib would fetch the IRI of a FROM clause whose graph it does not hold; loading this store
    turns that off for the process (``SPARQL_LOAD_GRAPHS``), and the guard refuses foreign
    graphs before rdflib sees them anyway.
    """

    kind = "rdflib"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        import rdflib.plugins.sparql as rdflib_sparql

        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
        rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = True
        self._ds = None

    def load(self, path: Path) -> RdflibStore:
        from rdflib import Dataset
        from rdflib.exceptions import ParserError

        ds = Dataset(default_union=True)
        try:
            ds.parse(str(path), format="nquads")
        except (OSError, SyntaxError, ValueError, ParserError) as exc:
            raise DataError(f"{path}: N-Quads illisibles : {exc}") from None
        self._ds = ds
        self._graphs = None
        return self

    def _named_graphs(self) -> Iterable[str]:
        from rdflib import URIRef
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        return [
            str(g.identifier)
            for g in self._ds.graphs()
            if isinstance(g.identifier, URIRef) and g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)
        ]

    def _evaluate(self, checked: guard.CheckedQuery) -> Answer:
        from pyparsing import ParseException
        from rdflib import URIRef
        from rdflib.plugins.sparql import prepareQuery
        from rdflib.plugins.sparql.evaluate import evalQuery
        from rdflib.plugins.sparql.parserutils import CompValue

        try:
            query = prepareQuery(checked.text, initNs=checked.prefixes, base=checked.base)
        except ParseException as exc:
            raise BadRequest(f"requête SPARQL invalide : {exc}") from None
        except RecursionError:
            raise BadRequest("requête trop imbriquée pour le moteur rdflib.") from None
        except Exception as exc:  # noqa: BLE001 - rdflib's translation raises bare Exceptions for bad queries
            raise BadRequest(f"requête SPARQL invalide : {exc}") from None
        if checked.default_graphs is not None:
            query.algebra["datasetClause"] = [
                CompValue("DatasetClause", default=URIRef(g)) for g in checked.default_graphs
            ] + [CompValue("DatasetClause", named=URIRef(g)) for g in checked.named_graphs or ()]
        try:
            res = evalQuery(self._ds, query, {})
        except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions during evaluation
            raise QueryFailed(f"échec de l'évaluation : {exc}") from None
        kind = res.get("type_")
        if kind == "ASK":
            return Answer("boolean", boolean=bool(res["askAnswer"]))
        if kind == "SELECT":
            variables = [str(v) for v in res["vars_"]]
            rows = ((tuple(rdflib_term(b.get(v)) for v in res["vars_"])) for b in res["bindings"])
            return Answer("solutions", variables, _guarded(rows))
        return Answer("graph", triples=_guarded(ox_triple(t) for t in res["graph"]))


def _guarded(items: Iterator) -> Iterator:
    """rdflib evaluates lazily and raises bare Exceptions: turn them into QueryFailed."""
    try:
        yield from items
    except GrapheError:
        raise
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions, lazily
        raise QueryFailed(f"échec de l'évaluation : {exc}") from None


# --- choosing a store ----------------------------------------------------------------------

STORES = ("oxigraph", "rdflib")


def prepare_store(spec: str, nquads: Path) -> None:
    """What must happen once before worker processes open the store (an on-disk base is
    built here, not by several workers at once)."""
    store = make_store(spec)
    if isinstance(store, OxigraphStore):
        store.prepare(nquads)


def dataset_version(spec: str, nquads: Path) -> str:
    """The sha256 of ``nquads``, from the on-disk database's stamp when it has it."""
    store = make_store(spec)
    location = store.location if isinstance(store, OxigraphStore) else None
    return diskstore.version(nquads, location)


def make_store(spec: str = "oxigraph", **kwargs) -> Store:
    """A store from its command-line name: ``oxigraph`` (in memory), ``oxigraph:DIR`` (on
    disk), ``rdflib``, or the URL of a remote SPARQL endpoint (:mod:`graphe.remote`).

    >>> make_store("oxigraph:/tmp/base").location
    PosixPath('/tmp/base')
    >>> make_store("virtuoso")
    Traceback (most recent call last):
    graphe.errors.BadRequest: magasin inconnu : 'virtuoso' (choix : oxigraph, oxigraph:DOSSIER, rdflib, URL http(s) d'un service SPARQL).
    """
    from graphe.remote import RemoteStore, is_remote

    if is_remote(spec):
        return RemoteStore(spec, **kwargs)
    name, _, location = spec.partition(":")
    if name == "oxigraph":
        return OxigraphStore(Path(location) if location else None, **kwargs)
    if name == "rdflib" and not location:
        return RdflibStore(**kwargs)
    raise BadRequest(
        f"magasin inconnu : {spec!r} (choix : oxigraph, oxigraph:DOSSIER, rdflib, URL http(s) d'un service SPARQL)."
    )
