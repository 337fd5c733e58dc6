"""The dumps written from the build's Oxigraph store, file by file, never whole in memory.

The bytes are those of :mod:`graphe.build.dumps` and of the tests' reference writer (the version
is the SHA-256 of ``dataset.nq``; ``tests/test_ox_build.py`` compares every dump with theirs),
but at France's size (2.9 M quads, 0.7 GB of N-Quads) holding each dump as one Python string
doubled the build's memory. So: Oxigraph dumps the N-Quads to a file, ``sort`` (C locale: byte
order, which is code-point order for UTF-8, what Python's sort gave) orders it out of memory,
one pass splits it into each graph's sorted N-Triples, and Oxigraph streams each of those into
Turtle. The TriG is pieced together from the Turtle files.
"""

from __future__ import annotations

import mmap
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graphe.build.dumps import GRAPH_FILES
from graphe.errors import GrapheError
from graphe.namespaces import prefixes

#: Memory ``sort`` may use before it spills to temporary files.
SORT_BUFFER = "256M"


@dataclass
class TurtleFile:
    """One graph's Turtle dump as written: where its body starts, and its ``@prefix`` lines."""

    graph: ox.NamedNode
    path: Path
    head: list[str]
    body_start: int


def turtle_name(graph: ox.NamedNode) -> str:
    """The Turtle dump of a named graph: its fixed name, else the IRI's last segment."""
    known = {str(g): f for g, f in GRAPH_FILES.items()}
    return known.get(graph.value, f"{graph.value.rstrip('/').rsplit('/', 1)[-1]}.ttl")


def write_nquads(store: ox.Store, out: Path, scratch: Path) -> None:
    """``out``: every quad of ``store``, one line each, sorted, no line twice."""
    raw = scratch / "brut.nq"
    store.dump(output=str(raw), format=ox.RdfFormat.N_QUADS)
    sort = shutil.which("sort")
    if sort is None:  # no coreutils: in memory
        lines = sorted(set(raw.read_bytes().splitlines(keepends=True)))
        out.write_bytes(b"".join(lines))
    else:
        env = {**os.environ, "LC_ALL": "C"}
        done = subprocess.run(
            [sort, "-u", "-S", SORT_BUFFER, "-T", str(scratch), "-o", str(out), str(raw)],
            env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise GrapheError(f"tri des N-Quads impossible : {done.stderr.strip()}")
    raw.unlink()


def split_graphs(nquads: Path, graphs: list[ox.NamedNode], scratch: Path) -> dict[str, Path]:
    """Each graph's triples as sorted N-Triples (``scratch/<n>.nt``), from the sorted N-Quads.

    A line restricted to one graph keeps its order: within a graph the lines differ before the
    graph's name, and a space sorts before any character that can go on a term.
    """
    paths = {g.value: scratch / f"{i}.nt" for i, g in enumerate(graphs)}
    outs = {f"<{iri}>".encode(): open(path, "wb") for iri, path in paths.items()}
    try:
        with open(nquads, "rb") as fh:
            for line in fh:
                head, name, _ = line.rsplit(b" ", 2)
                outs[name].write(head + b" .\n")
    finally:
        for fh in outs.values():
            fh.close()
    return paths


def write_turtle(triples: Path, graph: ox.NamedNode, out: Path, scratch: Path) -> TurtleFile:
    """``out``: the N-Triples file ``triples`` in Turtle, with the project's prefixes it uses (one
    ``@prefix`` line each, sorted), then a blank line and the triples as Oxigraph lays them out."""
    table = prefixes()
    raw = scratch / "brut.ttl"
    ox.serialize(ox.parse(path=str(triples), format=ox.RdfFormat.N_TRIPLES), output=str(raw),
                 format=ox.RdfFormat.TURTLE, prefixes=table)
    with open(raw, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as text:
        start = 0
        while text[start:start + 8] == b"@prefix ":
            start = text.find(b"\n", start) + 1
        end = len(text)
        while start < end and text[start:start + 1] == b"\n":
            start += 1
        while end > start and text[end - 1:end] == b"\n":
            end -= 1
        used = sorted(p for p in table if text.find(f"{p}:".encode(), start, end) >= 0)
        head = [f"@prefix {p}: <{table[p]}> ." for p in used]
        with open(out, "wb") as dump:
            dump.write("".join(f"{line}\n" for line in head).encode("utf-8"))
            if end > start:
                dump.write(b"\n")
                dump.write(memoryview(text)[start:end])
                dump.write(b"\n")
    raw.unlink()
    head_bytes = sum(len(line.encode("utf-8")) + 1 for line in head)
    return TurtleFile(graph, out, head, head_bytes + 1 if end > start else head_bytes)


def write_trig(turtles: list[TurtleFile], out: Path) -> None:
    """TriG: the union of the graphs' ``@prefix`` lines, sorted, then each graph's Turtle body."""
    heads = sorted({line for t in turtles for line in t.head})
    with open(out, "wb") as trig:
        trig.write(("\n".join(heads) + "\n\n").encode("utf-8"))
        for i, t in enumerate(turtles):
            if i:
                trig.write(b"\n")
            trig.write(f"<{t.graph.value}> {{\n".encode())
            with open(t.path, "rb") as fh:
                fh.seek(t.body_start)
                left = os.fstat(fh.fileno()).st_size - t.body_start - 1  # the body, less its last line break
                while left > 0:
                    chunk = fh.read(min(left, 1 << 22))
                    trig.write(chunk)
                    left -= len(chunk)
            trig.write(b"\n}\n")
