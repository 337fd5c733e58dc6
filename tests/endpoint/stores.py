"""External SPARQL servers the tests start on free loopback ports: Virtuoso 7 and Oxigraph server.

Each runs in a temporary folder of its own (database, configuration, log) and is stopped by
the fixture that started it. Virtuoso gets a minimal ``virtuoso.ini``: loopback ports only
(SQL and HTTP), the folder as the only one its loader may read (``DirsAllowed``), no
checkpoints, small buffers; a fresh database starts in about two seconds on the 2-core CI
machine, and the release loads in a fraction of a second with the bulk loader.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 90.0  # seconds: far above the measured start, for a loaded CI machine
VIRTUOSO_PASSWORD = "dba"  # the fresh database's own default; the server listens on loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    folder: Path
    http: str  # http://127.0.0.1:PORT
    log: Path
    extra: dict = field(default_factory=dict)
    started_in: float = 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(pas de journal)"


def _wait_until_up(server: Server, url: str) -> None:
    start = time.monotonic()
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} s'est arrêté au démarrage :\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    server.started_in = time.monotonic() - start
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - start > START_TIMEOUT:
            server.stop()
            raise RuntimeError(f"{server.name} n'a pas répondu en {START_TIMEOUT:g} s :\n{server.log_tail()}")
        time.sleep(0.1)


# --- Virtuoso ------------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
FileExtend = 200
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxClientConnections = 8

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 0
"""


def virtuoso_binary() -> str:
    found = shutil.which("virtuoso-t")
    if not found:
        raise RuntimeError("virtuoso-t introuvable : lancer « bash scripts/system-packages.sh --tests ».")
    return found


def start_virtuoso(folder: Path) -> Server:
    """A private Virtuoso with an empty database in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, sql=sql, http=http), encoding="utf-8")
    out = folder / "sortie.log"
    with open(out, "wb") as sink:
        process = subprocess.Popen(
            [virtuoso_binary(), "+foreground", "+configfile", str(ini)],
            cwd=folder, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server("Virtuoso", process, folder, f"http://127.0.0.1:{http}", folder / "virtuoso.log", {"sql": sql})
    _wait_until_up(server, server.http + "/sparql?query=ASK%7B%7D")
    return server


def isql(server: Server, *statements: str) -> str:
    """Run SQL statements in the server's isql (``isql-vt`` on Debian); their output."""
    binary = shutil.which("isql-vt") or shutil.which("isql")
    script = "\n".join(s.rstrip(";") + ";" for s in statements)
    done = subprocess.run(
        [binary, f"127.0.0.1:{server.extra['sql']}", "dba", VIRTUOSO_PASSWORD],
        input=script, capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise RuntimeError(f"isql a échoué :\n{done.stdout}\n{done.stderr}")
    return done.stdout


def bulk_load(server: Server, nquads: Path) -> None:
    """Load an N-Quads dump with Virtuoso's bulk loader (the graphs come from the quads)."""
    copy = server.folder / "chargement" / "dataset.nq"
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(nquads, copy)
    out = isql(
        server,
        f"ld_dir('{copy.parent}', 'dataset.nq', 'urn:graphe:sans-graphe')",
        "rdf_loader_run()",
        "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_state <> 2 OR ll_error IS NOT NULL",
    )
    if "\n0 Rows." not in out:
        raise RuntimeError(f"le chargeur de Virtuoso a échoué :\n{out}")


# --- Oxigraph server -------------------------------------------------------------------------------


def oxigraph_binary() -> str:
    """The ``oxigraph`` server of the pip package ``oxigraph`` (a test extra)."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("le serveur oxigraph est introuvable : pip install -e '.[test]'.")
    return found


def start_oxigraph(folder: Path) -> Server:
    """An Oxigraph server (read-write, on disk in ``folder``), its own time limit set."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "oxigraph.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(folder / "base"), "--bind", f"127.0.0.1:{port}",
             "--timeout-s", "5"],
            cwd=folder, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "RUST_LOG": "warn"},
        )
    server = Server("Oxigraph", process, folder, f"http://127.0.0.1:{port}", log)
    _wait_until_up(server, server.http + "/query?query=ASK%7B%7D")
    return server
