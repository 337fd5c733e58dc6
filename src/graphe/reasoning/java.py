"""HermiT's command line, run directly on N-Triples files, several at a time.

owlready2's ``sync_reasoner_hermit`` loads the data into its SQLite quadstore, writes it back
out to a file, and asks HermiT to classify classes, properties and every individual (``-c -O
-D -I``): at 30× half of the reasoning stage, for a yes/no answer and a list of unsatisfiable
classes. Here the same jar (the one owlready2 ships) is given the files
:mod:`graphe.reasoning.partition` wrote and asked only that: ``-k`` (is owl:Thing satisfiable,
i.e. is the module consistent) for each module, ``-U`` (the classes equal to owl:Nothing) for
the TBox. The JVM is told to use the serial collector and its quick compiler only: for a run
that reads a file once, the optimising compiler and parallel collector cost more CPU than they
save (measured in bench/README.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from graphe.errors import ReasoningFailed
from graphe.namespaces import readable

JVM_OPTIONS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
_MALFORMED = re.compile(r'MalformedLiteralException: Literal "(.*)"\^\^<([^>]*)> is malformed')


@dataclass(frozen=True)
class Answer:
    """What HermiT said about one file."""

    path: Path
    consistent: bool
    unsatisfiable: tuple[str, ...] = ()


def find_java() -> tuple[str, str, int]:
    """The java executable, HermiT's class path and the heap owlready2 is configured with."""
    import owlready2
    from owlready2.reasoning import _HERMIT_CLASSPATH

    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasoningFailed(
            f"Java introuvable ({owlready2.JAVA_EXE}) : HermiT, le raisonneur, tourne sur une JVM "
            "(paquet Debian default-jre-headless)"
        )
    return owlready2.JAVA_EXE, _HERMIT_CLASSPATH, int(owlready2.reasoning.JAVA_MEMORY)


def run(path: Path, unsatisfiable: bool = False, heap_mb: int | None = None) -> Answer:
    """HermiT on one file: its consistency, and its unsatisfiable classes if asked."""
    java, classpath, memory = find_java()
    action = ["-k", "-U"] if unsatisfiable else ["-k"]
    command = [java, f"-Xmx{heap_mb or memory}M", *JVM_OPTIONS, "-cp", classpath,
               "org.semanticweb.HermiT.cli.CommandLine", *action, "-N", path.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    said = done.stdout + done.stderr
    if done.returncode != 0:
        if "InconsistentOntologyException" in said or "Inconsistent ontology" in said:
            return Answer(path, consistent=False)
        malformed = _MALFORMED.search(said)
        if malformed:
            value, datatype = malformed.groups()
            raise ReasoningFailed(f"HermiT : valeur mal formée pour son type : « {value} » ({readable(datatype)})")
        lines = [line for line in said.splitlines() if not line.lstrip().startswith("at ")]
        raise ReasoningFailed("HermiT a échoué : " + "\n".join(lines).strip()[:2000])
    found, listing = [], False
    for line in done.stdout.splitlines():
        if line.startswith("Classes equivalent to"):
            listing = True
        elif listing and line.startswith("\t"):
            iri = line.strip().strip("<>")
            if iri not in (NOTHING, "owl:Nothing"):
                found.append(iri)
        else:
            listing = False
    return Answer(path, consistent=True, unsatisfiable=tuple(sorted(set(found))))


def run_all(tasks: list[tuple[Path, bool]], jobs: int | None = None) -> list[Answer]:
    """:func:`run` on each (file, unsatisfiable?) task, ``jobs`` at a time (default: the cores)."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    _, _, memory = find_java()
    heap = max(512, memory // jobs) if jobs > 1 else memory
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda task: run(task[0], task[1], heap), tasks))
