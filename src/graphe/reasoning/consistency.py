"""HermiT's verdict on a Store or an rdflib graph: the view cut into modules, checked in parallel.

The steps, and what each replaced (figures in bench/README.md):

- the OWL view is written straight from the Store's triples
  (:class:`~graphe.reasoning.partition.Partition`; N-Triples for the TBox, OWL functional
  syntax for the assertions), not built as an rdflib graph, loaded into owlready2's quadstore
  and written out again; assertions that only type are given as their class assertions;
- HermiT's command line checks each module's consistency and the TBox's unsatisfiable classes
  (:mod:`graphe.reasoning.java`), instead of classifying every class, property and individual;
- the modules are checked side by side on the machine's cores — the split is sound and complete
  for what the ontology says (:mod:`graphe.reasoning.modules` states why), and falls back to one
  module otherwise.

Unsatisfiable classes are looked for in the TBox alone: with no nominal (which the split
requires), a class that can have an instance beside a model of the TBox can have one beside
a model of TBox + data, by taking the two models side by side. When the split is refused, the
one module is asked for both, as before. When a module is inconsistent, :func:`explain` looks
for the causes in that module's triples only.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from rdflib import Graph

from graphe.reasoning import java
from graphe.reasoning.hermit import CheckResult, inconsistent, refuse_unsatisfiable
from graphe.reasoning.partition import Partition
from graphe.reasoning.source import as_store, schema
from graphe.terms import from_ox

#: Asserted triples per module, about (half of them once the typing-only ones are reduced): a
#: JVM reading one holds ≈ 0.35 GB; twice as large, the same CPU but 1.5× the peak (bench/README.md).
MODULE_LINES = 250_000


def check(x, jobs: int | None = None, modules: int | None = None, functional: bool = True) -> CheckResult:
    """Run HermiT on ontology + data; raise :class:`ReasoningFailed` if inconsistent or unsatisfiable.

    ``x`` is a pyoxigraph Store (its graphe:inferences and graphe:derivees are not read) or an
    rdflib Graph or Dataset. ``jobs`` JVMs run at a time (default: the cores); ``modules``
    forces the number of modules (default: enough for ``jobs`` and :data:`MODULE_LINES`).
    ``functional``: the modules' assertions in OWL functional syntax (faster for the JVM to
    read, :mod:`graphe.reasoning.fss`) rather than N-Triples.
    """
    java.find_java()
    started = time.perf_counter()
    store = as_store(x)
    axioms = schema(store)
    jobs = jobs or os.cpu_count() or 1
    part = Partition(store, axioms, modules=modules or jobs, module_lines=None if modules else MODULE_LINES)
    with tempfile.TemporaryDirectory(prefix="graphe-hermit-") as folder:
        tbox, paths, lines = part.write(Path(folder), functional=functional)
        if part.refusal is None:
            tasks = [(tbox, True), *[(p, False) for p in paths]]
        else:
            tasks = [(paths[0], True)]
        answers = java.run_all(tasks, jobs)
    for answer in answers:
        if not answer.consistent:
            k = paths.index(answer.path) if answer.path in paths else 0
            raise inconsistent(_graph(part.triples_of(k)))
    refuse_unsatisfiable([iri for a in answers for iri in a.unsatisfiable])
    return CheckResult(lines, round(time.perf_counter() - started, 3), part.count, part.refusal)


def _graph(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
    return g

