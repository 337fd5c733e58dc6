"""The query worker process: it loads the store once, then evaluates one job at a time.

Its side of the wire with :mod:`graphe.executor` (length-prefixed pickles on a socket pair),
and the watch that stops a query past the worker's memory cap. Kept apart from the pool so
that each module has one job: this one runs in the child, the executor in the server.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from graphe import errors, guard
from graphe.errors import GrapheError


@dataclass(frozen=True)
class StoreConfig:
    """What a worker needs to open its store (sent to the process: keep it picklable)."""

    spec: str  # graphe.store.make_store name: oxigraph, oxigraph:DIR, rdflib
    nquads: Path
    prefixes: dict[str, str] | None = None
    limits: guard.Limits = field(default_factory=guard.Limits)
    memory_limit: int | None = None  # bytes of private memory per worker (see _MemoryWatch)


#: what the fork server imports once, so that a new worker starts in milliseconds
FORKSERVER_PRELOAD = ["graphe.worker", "graphe.store", "pyoxigraph"]


def warm_up() -> None:
    """Start the fork server now, in a thread: its imports (another process) run beside the
    caller's own. Kept here, not in graphe.executor, so that calling it imports nothing heavy."""
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
    threading.Thread(target=forkserver.ensure_running, name="graphe-forkserver", daemon=True).start()


# --- the wire: length-prefixed pickles on a socket pair ---------------------------------------

HEADER = struct.Struct("!Q")


def frame(message) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def read_exactly(sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError
        got += n
    return bytes(buf)


# --- the worker process --------------------------------------------------------------------

ERRORS = {
    cls.__name__: cls
    for cls in (
        errors.BadRequest, errors.Refused, errors.NotAcceptable, errors.PayloadTooLarge,
        errors.QueryTimeout, errors.DataError, errors.MemoryExceeded, GrapheError,
    )
}


def memory_message(limit: int | None) -> str:
    size = f"{limit / 2**20:.0f} Mo" if limit else "la limite"
    return (f"mémoire dépassée : cette requête demandait plus de {size} (mémoire permise à un processus "
            "de requêtes) ; elle a été arrêtée, le service continue.")


class _MemoryWatch:
    """A thread of the worker that stops a query whose private memory passes the cap.

    The engine cannot be interrupted, but it releases the GIL while it evaluates: this thread
    reads ``/proc/self/statm`` every few milliseconds while a job runs and, past the cap, says
    so on the socket and ends the process (the server answers 503 and starts a replacement).
    ``busy`` is a plain flag, not an Event: setting it costs the job nothing, and the thread
    only looks at it between two sleeps. The address-space limit (RLIMIT_AS, set well above
    the cap) stays as a backstop: past it the engine aborts, which is a crash.
    """

    def __init__(self, sock: socket.socket, limit: int, every: float = 0.005):
        self.sock, self.limit, self.every = sock, limit, every
        self.lock = threading.Lock()  # one writer on the socket at a time
        self.busy = False
        self.page = os.sysconf("SC_PAGE_SIZE")
        threading.Thread(target=self._watch, name="graphe-memoire", daemon=True).start()

    def private(self) -> int:
        with open("/proc/self/statm", "rb") as f:
            fields = f.read().split()
        return (int(fields[1]) - int(fields[2])) * self.page  # resident minus file-backed/shared

    def _watch(self) -> None:
        while True:
            time.sleep(self.every if self.busy else 4 * self.every)
            if self.busy and self.private() > self.limit:
                with self.lock:
                    if self.busy:
                        with contextlib.suppress(OSError):
                            self.sock.sendall(frame(("error", "MemoryExceeded", memory_message(self.limit))))
                        os._exit(3)


class _NoWatch:
    busy = False

    def __init__(self) -> None:
        self.lock = threading.Lock()


def worker_main(sock: socket.socket, config: StoreConfig) -> None:
    """Load the store, say ready, then answer jobs until the socket closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    with contextlib.suppress(OSError):  # if the system runs out of memory, kill a query, not a server
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("800")
    watch = _NoWatch()
    if config.memory_limit:
        backstop = max(2 * config.memory_limit, config.memory_limit + 2 * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (backstop, backstop))
        watch = _MemoryWatch(sock, config.memory_limit)
    lock = watch.lock
    from graphe.store import make_store

    try:
        store = make_store(config.spec, prefixes=config.prefixes, limits=config.limits)
        store.load(config.nquads)
        ready = ("ready", store.graphs(), store.count(), store.size())
    except (GrapheError, OSError, MemoryError) as exc:
        ready = ("failed", f"{type(exc).__name__}: {exc}")
    try:
        sock.sendall(frame(ready))
    except OSError:  # the server that started us is gone (killed while we loaded): nothing to say
        return
    if ready[0] != "ready":
        return
    while True:
        try:
            (size,) = HEADER.unpack(read_exactly(sock, HEADER.size))
            query, fmt, row_limit = pickle.loads(read_exactly(sock, size))
        except (EOFError, OSError):
            return
        watch.busy = True
        start = time.perf_counter()
        try:
            r = store.query(query, format=fmt, row_limit=row_limit)
            reply = ("ok", r.body, r.format, r.form, r.rows, r.truncated, time.perf_counter() - start)
        except GrapheError as exc:
            reply = ("error", type(exc).__name__, str(exc))
        except MemoryError:
            with lock:
                watch.busy = False
                sock.sendall(frame(("error", "MemoryExceeded", memory_message(config.memory_limit))))
            os._exit(3)  # the heap may be in a bad state: let the server replace us
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - the isolation boundary (a Rust panic is a BaseException)
            reply = ("error", "QueryFailed", f"erreur du moteur : {type(exc).__name__}: {exc}")
        with lock:
            watch.busy = False
            try:
                sock.sendall(frame(reply))
            except OSError:
                return
