"""The servers the benchmark compares, started side by side on loopback.

Each server is a process tree we start, wait for (the cold start is the time from spawning it
to its first correct answer), sample for memory while it runs (RSS summed over the tree, read
from /proc every few tens of milliseconds) and stop. The peers come from the benchmark's own
venv (``bench/.venv``), graphe from the project's.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PAGE = os.sysconf("SC_PAGE_SIZE")
READY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants, from the parent ids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the fields follow the last ")"
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_rss(root: int) -> int:
    """Resident memory of the process tree under ``root``, in bytes."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


@dataclass
class Server:
    """One server under test: how to start it and where it answers SPARQL."""

    name: str
    command: list[str]
    path: str  # the SPARQL endpoint's path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    prepare_s: float = 0.0  # time spent preparing its store before the start (Oxigraph's load)
    process: subprocess.Popen | None = None
    cold_start_s: float | None = None
    peak_rss: int = 0
    log: Path | None = None
    _sampler: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self, log_dir: Path, timeout: float = 120.0) -> float:
        """Spawn the server and wait for its first correct answer; returns the cold start (s)."""
        self.log = log_dir / f"{self.name}.log"
        out = open(self.log, "wb")
        env = {**os.environ, **self.env}
        t0 = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.cwd,
            start_new_session=True,
        )
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        body = urlencode({"query": READY_QUERY}).encode()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} s'est arrêté au démarrage (voir {self.log})")
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{self.name} n'a pas répondu en {timeout:.0f} s (voir {self.log})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                conn.request("POST", self.path, body, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json",
                })
                resp = conn.getresponse()
                payload = resp.read()
                conn.close()
                if resp.status == 200 and b'"n"' in payload:
                    self.cold_start_s = time.perf_counter() - t0
                    return self.cold_start_s
            except OSError:
                pass
            time.sleep(0.005)

    def _sample(self) -> None:
        while not self._stop.is_set() and self.process and self.process.poll() is None:
            self.peak_rss = max(self.peak_rss, tree_rss(self.process.pid))
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        if self._sampler:
            self._sampler.join(timeout=2)


def graphe_server(graphe_bin: Path, nquads: Path, work: Path, extra: list[str]) -> Server:
    """graphe serve on exactly ``nquads`` (``--dist`` its directory, never rebuilt)."""
    dist = nquads.parent
    if nquads.name != "dataset.nq":  # graphe serves DIST/dataset.nq: link the file there
        dist = work / "graphe-dist"
        dist.mkdir(exist_ok=True)
        (dist / "dataset.nq").symlink_to(nquads)
    port = free_port()
    cmd = [str(graphe_bin), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--dist", str(dist), "--no-build", *extra]
    return Server("graphe", cmd, "/sparql", port)


def floor_server(python: Path, nquads: Path) -> Server:
    """The floor of a Python server on graphe's stack (``floor_app.py``), one process."""
    port = free_port()
    cmd = [str(python), "-m", "uvicorn", "--app-dir", str(Path(__file__).resolve().parent), "floor_app:app",
           "--host", "127.0.0.1", "--port", str(port), "--http", "httptools", "--loop", "uvloop",
           "--no-access-log", "--log-level", "warning"]
    return Server("plancher", cmd, "/sparql", port, env={"FLOOR_NQUADS": str(nquads)})


def granian_floor_server(bench_bin: Path, nquads: Path) -> Server:
    """The same floor under Granian (Rust HTTP, RSGI), two worker processes, from the bench's venv."""
    port = free_port()
    cmd = [str(bench_bin / "granian"), "--interface", "rsgi", "--workers", "2", "--host", "127.0.0.1",
           "--port", str(port), "--no-ws", "--log-level", "error", "--working-dir",
           str(Path(__file__).resolve().parent), "floor_app:rsgi"]
    return Server("plancher-granian", cmd, "/sparql", port, env={"FLOOR_NQUADS": str(nquads)})


def oxigraph_server(bench_bin: Path, nquads: Path, work: Path) -> Server:
    """Oxigraph server on a store loaded (and optimised) beforehand, as its docs advise."""
    store = work / "oxigraph-store"
    if store.exists():
        shutil.rmtree(store)
    oxigraph = str(bench_bin / "oxigraph")
    t0 = time.perf_counter()
    subprocess.run([oxigraph, "load", "--location", str(store), "--file", str(nquads)],
                   check=True, capture_output=True)
    subprocess.run([oxigraph, "optimize", "--location", str(store)], check=True, capture_output=True)
    prepare = time.perf_counter() - t0
    port = free_port()
    cmd = [oxigraph, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
           "--union-default-graph"]
    return Server("oxigraph", cmd, "/query", port, prepare_s=prepare)


def rdflib_endpoint_server(bench_bin: Path, nquads: Path) -> Server:
    port = free_port()
    cmd = [str(bench_bin / "rdflib-endpoint"), "serve", str(nquads), "--host", "127.0.0.1",
           "--port", str(port)]
    return Server("rdflib-endpoint", cmd, "/", port)


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="graphe-bench-"))
