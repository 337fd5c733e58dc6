"""``graphe publish --to URL``: a release's named graphs pushed to an external SPARQL store.

The store is any server that speaks the SPARQL 1.1 Graph Store Protocol (for the upload) and
SPARQL 1.1 Update (for the switch): Virtuoso, Oxigraph server, Fuseki, GraphDB, RDF4J…

Readers must never see half a release, so nothing they read is touched while uploading:

1. each graph ``graphe:{name}`` of ``dist/dataset.nq`` is PUT under a staging name,
   ``graphe:depot/{version}/{name}`` (Graph Store Protocol, one request per graph; a failed
   upload drops what it staged and leaves the published release as it was);
2. ONE SPARQL Update request then switches: ``COPY`` each staged graph to its public name,
   and rewrite the publication record (``graphe:publication``: the release's version, its
   graphs, the date), which ``graphe serve --store`` reads;
3. the staged graphs are dropped.

The guarantee is the store's own for one Update request. Oxigraph applies a request in one
transaction and its readers see committed states only (repeatable read); Virtuoso, in its
default transaction mode, runs a request as one transaction and its readers (read committed)
see the previous state until the commit. On such stores a reader sees the old release or the
new one, never a mix; the tests check this with readers running during the switch on both.
A store that applies the operations of a request one by one (none we know of among the above)
would show a short window during step 2: the copies are made inside the store, so the window
is that of the copies, never that of the upload.
"""

from __future__ import annotations

import base64
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from graphe.errors import DataError, GrapheError
from graphe.namespaces import GRAPHE, NAMESPACES
from graphe.remote import PUBLICATION
from graphe.store import file_digest

#: Environment variable holding the store's password (never on the command line; the
#: command is ``graphe publish``, :mod:`graphe.cli.publish`).
PASSWORD_ENV = "GRAPHE_STORE_PASSWORD"
SWITCH_ATTEMPTS = 3
_NS = NAMESPACES


class PublishError(GrapheError):
    exit_code = 8


@dataclass(frozen=True)
class Published:
    version: str
    graphs: dict[str, int]  # public graph IRI → triples

    def summary(self) -> str:
        lines = [f"version {self.version[:12]} publiée :"]
        lines += [f"  {iri} : {n} triplets" for iri, n in sorted(self.graphs.items())]
        return "\n".join(lines)


def update_url_for(gsp_url: str) -> str:
    """Where a store takes SPARQL Update, guessed from its Graph Store Protocol URL.

    >>> update_url_for("http://127.0.0.1:7878/store")  # Oxigraph server
    'http://127.0.0.1:7878/update'
    >>> update_url_for("http://127.0.0.1:8890/sparql-graph-crud-auth")  # Virtuoso
    'http://127.0.0.1:8890/sparql-auth'
    >>> update_url_for("http://127.0.0.1:3030/ds/data")  # Fuseki
    'http://127.0.0.1:3030/ds/update'
    """
    base, _, last = gsp_url.rstrip("/").rpartition("/")
    guess = {"store": "update", "data": "update", "sparql-graph-crud": "sparql", "sparql-graph-crud-auth": "sparql-auth"}
    return f"{base}/{guess[last]}" if last in guess else gsp_url


def staged(graph: str, version: str) -> str:
    """The staging name of a release graph.

    >>> staged(str(GRAPHE) + "annexe-1", "ab" * 32)[len(str(GRAPHE)):]
    'depot/abababababababab/annexe-1'
    """
    return f"{GRAPHE}depot/{version[:16]}/{graph[len(str(GRAPHE)):]}"


def graphs_of(nquads: Path) -> dict[str, bytes]:
    """The release's named graphs as N-Triples (which is Turtle too: every store reads it)."""
    by_graph: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode) or not quad.graph_name.value.startswith(str(GRAPHE)):
                raise DataError(f"{nquads} : quadruplet hors des graphes nommés du jeu : {quad}")
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    except (OSError, SyntaxError) as exc:
        raise DataError(f"{nquads} : N-Quads illisibles : {exc}") from None
    return {g: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"" for g, triples in sorted(by_graph.items())}


class _Credentials(urllib.request.HTTPPasswordMgr):
    """The one user and password given, for whatever realm and URL the store names."""

    def __init__(self, user: str, password: str):
        super().__init__()
        self.pair = (user, password)

    def find_user_password(self, realm, authuri):
        return self.pair


class Client:
    """HTTP to the store, with Basic or Digest authentication when a user is given.

    The credentials go with the request itself: a store that answers 401 to a large PUT
    closes the connection before reading it (Virtuoso does), so the challenge is fetched
    first with an empty request of the same method, and the real one is sent answered.
    """

    def __init__(self, user: str | None = None, password: str | None = None):
        self.user, self.password = user, password or ""
        self.digest = None
        if user:
            self.digest = urllib.request.HTTPDigestAuthHandler(_Credentials(user, self.password))

    def _authorization(self, request: urllib.request.Request, content_type: str) -> str | None:
        probe = urllib.request.Request(
            request.full_url, data=b"", method=request.get_method(), headers={"Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(probe, timeout=60) as response:  # noqa: S310 - the operator's URL
                response.read()
            return None
        except urllib.error.HTTPError as exc:
            challenges = exc.headers.get_all("www-authenticate") or [] if exc.code == 401 else []
        except (urllib.error.URLError, OSError):
            return None  # the real request will say it
        for challenge in challenges:
            scheme, _, rest = challenge.strip().partition(" ")
            if scheme.lower() == "digest":
                chal = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(rest)))
                answer = self.digest.get_authorization(request, chal)
                if answer:
                    return "Digest " + answer
            if scheme.lower() == "basic":
                return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return None

    def send(self, method: str, url: str, body: bytes, content_type: str, what: str) -> None:
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
        try:
            if self.user:
                authorization = self._authorization(request, content_type)
                if authorization:
                    request.add_header("Authorization", authorization)
            with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - the operator's URL
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(400).decode("utf-8", "replace").strip().replace("\n", " ")
            raise PublishError(f"{what} : le magasin a répondu {exc.code} ({detail or exc.reason}).") from None
        except (urllib.error.URLError, OSError) as exc:
            raise PublishError(f"{what} : magasin injoignable ({url}) : {getattr(exc, 'reason', exc)}.") from None

    def update(self, url: str, text: str, what: str) -> None:
        self.send("POST", url, urlencode({"update": text}).encode(), "application/x-www-form-urlencoded", what)


def switch_update(graphs: dict[str, int], version: str, when: datetime) -> str:
    """The one SPARQL Update that makes the staged release the published one."""
    ops = [f"COPY <{staged(g, version)}> TO <{g}>" for g in graphs]
    parts = " , ".join(f"<{g}>" for g in graphs)
    record = (
        f"<{PUBLICATION}> <{_NS['owl']}versionInfo> \"{version}\" ; "
        f"<{_NS['dcterms']}modified> \"{when.isoformat(timespec='seconds')}\"^^<{_NS['xsd']}dateTime> ; "
        f"<{_NS['dcterms']}hasPart> {parts} ."
    )
    ops += [f"DROP SILENT GRAPH <{PUBLICATION}>", f"INSERT DATA {{ GRAPH <{PUBLICATION}> {{ {record} }} }}"]
    return " ;\n".join(ops)


def publish(
    dist: Path, to: str, update: str | None = None, user: str | None = None, password: str | None = None,
) -> Published:
    """Push ``dist/dataset.nq`` to the store whose Graph Store Protocol URL is ``to``."""
    nquads = Path(dist) / "dataset.nq"
    if not nquads.is_file():
        raise DataError(f"{nquads} : jeu de données absent (lancer « graphe build »).")
    version = file_digest(nquads)
    bodies = graphs_of(nquads)
    counts = {g: body.count(b"\n") for g, body in bodies.items()}
    client = Client(user, password if password is not None else os.environ.get(PASSWORD_ENV))
    update = update or update_url_for(to)
    sep = "&" if "?" in to else "?"
    done: list[str] = []
    try:
        for graph, body in bodies.items():
            name = staged(graph, version)
            client.send("PUT", f"{to}{sep}{urlencode({'graph': name})}", body, "text/turtle; charset=utf-8",
                        f"dépôt de <{graph}>")
            done.append(name)
        _switch(client, update, switch_update(counts, version, datetime.now(UTC)))
    except PublishError:
        _drop(client, update, done)  # best effort: the published release is untouched either way
        raise
    _drop(client, update, done)
    return Published(version, counts)


def _switch(client: Client, update: str, text: str, attempts: int = SWITCH_ATTEMPTS) -> None:
    """The switch, tried again when the store gave up on it (a lock wait timed out under
    reading load, on Virtuoso): a failed switch changed nothing, so trying again is safe."""
    for attempt in range(1, attempts + 1):
        try:
            client.update(update, text, "bascule vers la nouvelle version")
            return
        except PublishError as exc:
            if attempt == attempts or "a répondu 5" not in str(exc):
                raise
            time.sleep(2 * attempt)


def _drop(client: Client, update: str, graphs: list[str]) -> None:
    if not graphs:
        return
    try:
        client.update(update, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), "nettoyage du dépôt")
    except PublishError:
        pass  # staged graphs left behind are invisible to readers (never in the publication record)
