"""The server's on-disk database, prepared beside the rest of ``dist/`` rather than after it.

Bulk-loading ``dataset.nq`` into RocksDB (:func:`graphe.diskstore.prepare`) takes about as long
as writing every other output at France's size, and needs nothing but ``dataset.nq``. So as
soon as that file is written, a separate process prepares the database while this one writes
the Turtle, TriG, JSON-LD, VoID, pages and search index — the machine's second core — and the
build waits for it before publishing. A separate process, not a thread or a fork: the loader is
busy in Rust for its whole run, and forking a process holding the dataset's store is not safe.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphe.errors import GrapheError

_PREPARE = "import sys; from pathlib import Path; from graphe import diskstore; diskstore.prepare(Path(sys.argv[1]), Path(sys.argv[2]))"


class Preparation:
    """The database being prepared at ``location`` from ``nquads``, in its own process."""

    def __init__(self, location: Path, nquads: Path):
        self.location = location
        self.process = subprocess.Popen(
            [sys.executable, "-c", _PREPARE, str(location), str(nquads)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def wait(self) -> None:
        """Until the database is ready; a GrapheError (French) if it could not be prepared."""
        _, errors = self.process.communicate()
        if self.process.returncode != 0:
            lines = [line for line in errors.strip().splitlines() if line.strip()]
            raise GrapheError(f"{self.location}: base Oxigraph non préparée : {lines[-1] if lines else self.process.returncode}")

    def stop(self) -> None:
        """Abandon it (the build failed elsewhere): the process ends, its files go with ``dist``'s."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
