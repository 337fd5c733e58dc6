"""Query evaluation in worker processes that can be killed and replaced.

Neither engine can be interrupted once it is inside a query (Oxigraph's own timeout did not
stop a 10⁹-row product in 30 s; rdflib holds the GIL), and either may die on a pathological
query (stack overflow, memory). So queries never run in the server process: each worker
process loads the dataset once and evaluates one job at a time; the server waits for the
answer on the event loop (an asyncio protocol on a socket pair: no thread, no polling) and,
when the time limit passes, kills the worker, answers 503, and starts a replacement in the
background. A worker that dies answers 500 for that query only, and is replaced the same
way. Concurrent queries go to different workers, hence to different cores; keep two at
least, so that one stuck query never holds the others up.

Workers are started through a fork server that has already imported pyoxigraph and this
module, so a replacement is ready in a few tens of milliseconds plus the data load.

>>> import asyncio, tempfile, pathlib
>>> nq = pathlib.Path(tempfile.mkdtemp()) / "d.nq"
>>> _ = nq.write_text('<http://x/a> <http://x/p> "1" <http://x/g> .\\n')
>>> async def demo():
...     async with Executor(StoreConfig("oxigraph", nq), workers=1) as ex:
...         checked = guard.check("SELECT ?s ?p ?o { ?s ?p ?o }", graphs=ex.graphs)
...         return (await ex.run(checked, format="csv", timeout=5)).body
>>> asyncio.run(demo())
b's,p,o\\r\\nhttp://x/a,http://x/p,1\\r\\n'
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Self

from graphe import errors, guard
from graphe.errors import Busy, EngineCrashed, GrapheError, MemoryExceeded, QueryFailed, QueryTimeout
from graphe.inline import Inline
from graphe.store import Result
from graphe.worker import ERRORS, FORKSERVER_PRELOAD, HEADER, StoreConfig, frame, memory_message, worker_main

__all__ = ["Executor", "StoreConfig", "Stats"]

log = logging.getLogger("graphe.executor")


@dataclass
class Stats:
    """Counters the metrics read."""

    started: int = 0
    timeouts: int = 0
    crashes: int = 0


# --- the server side -----------------------------------------------------------------------


class _Channel(asyncio.Protocol):
    """The server's end of a worker's socket: frames in, one awaited reply at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.expected = -1  # size of the frame being read, -1 before its header
        self.replies: deque = deque()
        self.waiter: asyncio.Future | None = None
        self.lost = False
        self.on_lost = None  # called when the worker's end closes (it died)

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        while True:
            if self.expected < 0:
                if len(buf) < HEADER.size:
                    return
                (self.expected,) = HEADER.unpack_from(buf)
                del buf[: HEADER.size]
            if len(buf) < self.expected:
                return
            message = pickle.loads(memoryview(buf)[: self.expected])
            del buf[: self.expected]
            self.expected = -1
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(message)
            else:
                self.replies.append(message)

    def connection_lost(self, exc) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(EOFError())
        if self.on_lost is not None:
            self.on_lost()

    async def receive(self, timeout: float | None):
        """The next message; TimeoutError after ``timeout`` s, EOFError if the worker is gone."""
        if self.replies:
            return self.replies.popleft()
        if self.lost:
            raise EOFError
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, _expire, waiter)
        try:
            return await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()

    def send(self, message) -> None:
        if self.lost or self.transport is None:
            raise EOFError
        self.transport.write(frame(message))


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class Worker:
    def __init__(self, process, channel: _Channel, sock: socket.socket):
        self.process = process
        self.channel = channel
        self.sock = sock  # the server's end, to look for an end of file without reading
        self.busy = True  # loading, or running a job; False while in the idle queue

    def dead(self) -> bool:
        """Gone without being asked (killed by the system, crashed while idle)?

        The kernel closes a process's sockets as it dies, before the event loop hears of it:
        an end of file waiting on our end (a peek, nothing consumed) says so at once.
        """
        if self.channel.lost:
            return True
        try:
            return self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()
        if self.channel.transport is not None:
            self.channel.transport.abort()
        with contextlib.suppress(Exception):  # reap it without blocking the loop for long
            self.process.join(timeout=0.5)


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    return ctx


class Executor:
    """A pool of worker processes; ``await run(...)`` evaluates one checked query."""

    def __init__(self, config: StoreConfig, workers: int | None = None, start_timeout: float = 120.0,
                 inline: Inline | None = None, at_start: int | None = None):
        self.config = config
        #: the queries a worker answered quickly, answered in this process next time (graphe.inline)
        self.inline = inline if inline is not None and Inline.eligible(config) else None
        self.size = max(1, workers or os.cpu_count() or 1)
        #: workers started with the pool; the others when a query finds none idle (up to size)
        self.at_start = min(self.size, at_start) if at_start else self.size
        self._wanted = 0  # workers running, loading or being started
        self.start_timeout = start_timeout
        self.stats = Stats()
        self.graphs: list[str] = []
        self.counts: dict[str, int] = {}  # triples per named graph
        self.size_union = 0  # distinct triples in the default graph
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: set[Worker] = set()
        self._replacing: set[asyncio.Task] = set()
        self._closed = False
        self._ctx = _context()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the first workers (``at_start``) and wait until each has loaded the dataset."""
        self._idle = asyncio.Queue()
        self._wanted = self.at_start
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.at_start)), return_exceptions=True)
        failures = [w for w in workers if isinstance(w, BaseException)]
        for w in workers:
            if isinstance(w, Worker):
                self._release(w)
        if failures:
            await self.close()
            raise failures[0]

    async def close(self) -> None:
        self._closed = True
        if self.inline is not None:
            self.inline.close()
        for task in list(self._replacing):
            task.cancel()
        for worker in list(self._all):
            worker.kill()
        self._all.clear()

    @property
    def alive(self) -> int:
        """Worker processes running (busy, idle or loading)."""
        return len(self._all)

    @property
    def busy(self) -> int:
        return len(self._all) - (self._idle.qsize() if self._idle else 0)

    async def _spawn(self) -> Worker:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        process = self._ctx.Process(target=worker_main, args=(theirs, self.config), daemon=True)
        try:
            await loop.run_in_executor(None, process.start)
        except OSError as exc:
            ours.close()
            raise GrapheError(f"processus de requêtes impossible à lancer : {exc}") from None
        finally:
            theirs.close()
        ours.setblocking(False)
        _, channel = await loop.connect_accepted_socket(_Channel, ours)
        worker = Worker(process, channel, ours)
        channel.on_lost = lambda: self._lost(worker)
        self._all.add(worker)
        try:
            message = await channel.receive(self.start_timeout)
        except (TimeoutError, EOFError):
            self._forget(worker)
            raise GrapheError(f"le processus de requêtes n'a pas démarré ({self.config.spec}).") from None
        if message[0] != "ready":
            self._forget(worker)
            raise errors.DataError(f"chargement du jeu de données impossible : {message[1]}")
        _, self.graphs, self.counts, self.size_union = message
        self.stats.started += 1
        return worker

    def _forget(self, worker: Worker) -> None:
        worker.channel.on_lost = None
        worker.kill()
        self._all.discard(worker)

    def _lost(self, worker: Worker) -> None:
        """A worker's socket closed: if it was idle, replace it now, not at its next job."""
        if not worker.busy and worker in self._all:
            log.warning("un processus de requêtes inactif s'est arrêté (pid %s) ; remplacé.", worker.process.pid)
            self.stats.crashes += 1
            self._replace(worker)

    def _release(self, worker: Worker) -> None:
        worker.busy = False
        self._idle.put_nowait(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` now; start its replacement in the background."""
        self._forget(worker)
        if self._closed:
            return
        self._start_one("remplacement")

    def _start_one(self, why: str) -> None:
        """Start a worker in the background; it joins the idle queue once loaded."""

        async def replacement():
            try:
                new = await self._spawn()
            except GrapheError as exc:
                self._wanted -= 1  # a later query may try again
                log.error("%s d'un processus de requêtes impossible : %s", why, exc)
                return
            if self._closed:
                self._forget(new)
            else:
                self._release(new)

        task = asyncio.get_running_loop().create_task(replacement())
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _acquire(self, timeout: float) -> Worker:
        """An idle worker that is alive: a dead one found in the queue is replaced, never used."""
        idle = self._idle
        deadline = time.monotonic() + timeout
        if idle.empty() and self._wanted < self.size and not self._closed:  # none free: one more
            self._wanted += 1
            self._start_one("démarrage")
        while True:
            if not idle.empty():
                worker = idle.get_nowait()
            else:
                worker = await asyncio.wait_for(idle.get(), max(deadline - time.monotonic(), 0))
            if worker not in self._all:  # already replaced (its socket closed while idle)
                continue
            if worker.dead():
                self._lost(worker)
                continue
            worker.busy = True
            return worker

    async def run(
        self,
        query: guard.CheckedQuery,
        *,
        format: str | None = None,
        timeout: float = 10.0,
        row_limit: int | None = None,
    ) -> Result:
        """Evaluate ``query`` in a worker; the :class:`graphe.store.Result`.

        Raises QueryTimeout (the worker is killed) when ``timeout`` seconds pass, counting the
        wait for a free worker; EngineCrashed when the worker dies; the worker's own
        GrapheError (BadRequest for a syntax error…) otherwise.
        """
        key, answer = self.run_at_once(query, format, timeout, row_limit)
        if answer is not None:
            return answer
        return await self._in_worker(query, format, timeout, row_limit, key)

    def run_at_once(self, query: guard.CheckedQuery, format: str | None, timeout: float,
                    row_limit: int | None) -> tuple[tuple | None, Result | None]:
        """:meth:`run` when the server process answers the query itself (graphe.inline), with
        nothing to wait for: ``(its key for graphe.inline, the answer)``; no answer (None) when
        the query must go to a worker."""
        inline = self.inline
        key = inline.key(query, format, row_limit) if inline is not None else None
        if inline is None or not inline.ready_for(key, timeout):
            return key, None
        return key, inline.run(key, query, format, row_limit)

    async def _in_worker(self, query: guard.CheckedQuery, format: str | None, timeout: float,
                         row_limit: int | None, key: tuple | None) -> Result:
        inline = self.inline
        deadline = time.monotonic() + timeout
        try:
            worker = await self._acquire(timeout)
        except TimeoutError:
            self.stats.timeouts += 1
            raise Busy(f"délai dépassé ({timeout:g} s) : tous les moteurs sont restés occupés.") from None
        try:
            worker.channel.send((query, format, row_limit))
            message = await worker.channel.receive(max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            self.stats.timeouts += 1
            self._replace(worker)
            raise QueryTimeout(f"délai dépassé ({timeout:g} s) : la requête a été arrêtée.") from None
        except (EOFError, OSError):
            self.stats.crashes += 1
            killed = _killed_from_outside(worker)
            self._replace(worker)
            if killed:  # the system's out-of-memory killer, most likely
                raise MemoryExceeded(memory_message(self.config.memory_limit)) from None
            raise EngineCrashed("le moteur s'est arrêté pendant cette requête ; le service continue.") from None
        except BaseException:  # cancelled (client gone, shutdown): the job may still run
            self._replace(worker)
            raise
        if message[0] == "ok":
            self._release(worker)
            if inline is not None:
                inline.learn(key, message[6])
            return Result(*message[1:6])
        _, name, text = message
        if name in ("EngineCrashed", "MemoryExceeded"):
            self.stats.crashes += 1
            self._replace(worker)
            raise (MemoryExceeded if name == "MemoryExceeded" else EngineCrashed)(text)
        self._release(worker)
        raise ERRORS.get(name, QueryFailed if name == "QueryFailed" else GrapheError)(text)


def _killed_from_outside(worker: Worker) -> bool:
    """Did ``worker`` end by SIGKILL that we did not send (the out-of-memory killer)?"""
    with contextlib.suppress(Exception):
        worker.process.join(timeout=0.05)
        return worker.process.exitcode == -signal.SIGKILL
    return False
