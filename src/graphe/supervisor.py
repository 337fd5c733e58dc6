"""The supervisor of ``graphe serve``: server processes sharing one port, restarted when they die.

The supervisor binds the port, starts the server processes (each a whole endpoint with its own
query processes) and does nothing else, so that it is the one process the system has no reason
to kill. A server process that dies — a crash, the out-of-memory killer — is started again,
at once the first time, then after a back-off that doubles while deaths follow each other
quickly (up to :data:`MAX_BACKOFF` s) and is forgotten once a process has stayed up for
:data:`STABLE` s. The service never stops because one process died, however soon after its
start. The only exception is the very first start: a server process that fails before any
has been ready, with one of graphe's exit codes (a dataset that does not load), stops
everything with that code, since starting it again would fail the same way.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("graphe.server")

FIRST_BACKOFF = 0.25  # seconds before the second quick restart of a slot
MAX_BACKOFF = 30.0
STABLE = 30.0  # a process up this long resets its slot's back-off


@dataclass
class Slot:
    process: Any = None  # a multiprocessing Process
    started: float = 0.0
    ready: Any = None  # a multiprocessing Event the child sets once it serves
    failures: int = 0  # deaths in a row, each soon after its start
    due: float | None = None  # when to start it again (None: running)


def backoff(failures: int) -> float:
    """Seconds to wait before restarting after ``failures`` quick deaths in a row.

    >>> [backoff(n) for n in (1, 2, 3, 9)]
    [0.0, 0.25, 0.5, 30.0]
    """
    if failures <= 1:
        return 0.0
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (failures - 2))


def supervise(target, args: tuple, processes: int, sock, prepare=None) -> int:
    """Run ``target(*args, sock, ready, gate)`` in ``processes`` child processes until interrupted.

    ``ready`` is an Event the child sets once it answers requests; ``gate`` one set here once
    ``prepare()`` has returned (the children start, and import their code, meanwhile); if it
    raises, the children are stopped and the error goes up. Returns the exit code.
    """
    metrics_dir = None
    if processes > 1:  # metrics summed across processes (files); alone, in memory (cheaper per request)
        metrics_dir = tempfile.mkdtemp(prefix="graphe-metriques-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    ctx = multiprocessing.get_context("spawn")
    slots = [Slot() for _ in range(processes)]
    ever_ready = False
    gate = ctx.Event()
    if prepare is None:
        gate.set()

    def start(number: int, slot: Slot) -> None:
        slot.ready = ctx.Event()
        slot.process = ctx.Process(target=target, args=(*args, sock, slot.ready, gate), name=f"graphe-serveur-{number}")
        slot.process.start()
        slot.started, slot.due = time.monotonic(), None

    def on_term(signum, frame):
        raise KeyboardInterrupt

    # both stop everything (SIGINT too: a shell starts background jobs with it ignored)
    previous = {sig: signal.signal(sig, on_term) for sig in (signal.SIGTERM, signal.SIGINT)}
    stopping = False
    try:
        for number, slot in enumerate(slots):
            start(number, slot)
        if prepare is not None:
            prepare()
            gate.set()
        while True:
            now = time.monotonic()
            for number, slot in enumerate(slots):
                if slot.due is not None and slot.due <= now:
                    start(number, slot)
            running = {s.process.sentinel: s for s in slots if s.due is None}
            dues = [s.due for s in slots if s.due is not None]
            timeout = max(0.0, min(dues) - time.monotonic()) if dues else None
            for ready in multiprocessing.connection.wait(list(running), timeout):
                slot = running[ready]
                proc = slot.process
                proc.join()
                if metrics_dir:
                    _forget_metrics(proc.pid)
                was_ready = slot.ready.is_set()
                ever_ready = ever_ready or was_ready or any(s.ready.is_set() for s in slots if s.ready)
                if not ever_ready and proc.exitcode and proc.exitcode > 0:
                    log.error("graphe : un processus serveur n'a pas démarré (code %s) ; arrêt.", proc.exitcode)
                    return proc.exitcode
                lived = time.monotonic() - slot.started
                slot.failures = 1 if lived >= STABLE else slot.failures + 1
                delay = backoff(slot.failures)
                slot.due = time.monotonic() + delay
                log.warning(
                    "graphe : processus serveur %d arrêté (code %s) après %.1f s ; relancé%s.",
                    proc.pid, proc.exitcode, lived, f" dans {delay:.2g} s" if delay else "",
                )
    except KeyboardInterrupt:
        stopping = True
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop([s.process for s in slots if s.process is not None])
        sock.close()
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if stopping:
            log.info("graphe : arrêté.")


def _stop(procs: list) -> None:
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _forget_metrics(pid: int) -> None:
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
    except (ImportError, OSError):
        pass
