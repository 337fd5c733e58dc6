"""Who states what: the violations of the report, named for people and traced to their file.

A violation names its focus readably (a prefixed name, or the path from the IRI a blank node
hangs from: ``objectif:x › cdv:mention › oa:hasTarget``) and the file that states it, so a
curator knows what to fix and where. :class:`Sources` reads that from rdflib graphs (one per
file); :class:`graphe.checks.StoreSources` from the Oxigraph store the checks run on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, SH

from graphe import dataset
from graphe.namespaces import readable
from graphe.project import Project, current

#: An IRI written out in a message (up to a space, a closing bracket or punctuation).
IRI_IN_TEXT = re.compile(r"https?://[^\s<>\"()»,;]+[^\s<>\"()»,;.]")

#: SHACL severities, as the report says them.
SEVERITIES = {SH.Violation: "violation", SH.Warning: "avertissement", SH.Info: "information"}


@dataclass(frozen=True)
class Violation:
    """One failed rule on one node. ``rule`` is a shape (``cdvsh:Objectif-axe``) or a check name."""

    file: str | None  # the file stating the focus, relative to the project root when inside it
    focus: str  # readable: a prefixed name, or the path from the resource a blank node hangs from
    rule: str
    path: str | None
    value: str | None
    message: str
    severity: str = "violation"

    @property
    def is_check(self) -> bool:
        """True for a cross-entity check (``queries/checks``), False for a SHACL shape."""
        return not self.rule.startswith("cdvsh:")

    def line(self) -> str:
        where = f" [{self.path}]" if self.path else ""
        value = f" (valeur : {self.value})" if self.value is not None else ""
        mark = "" if self.severity == "violation" else f"{self.severity} : "
        return f"{self.focus} — {self.rule}{where} : {mark}{self.message}{value}"



class Sources:
    """The parsed files, their union, and which file states what (for the report)."""

    def __init__(self, files: list[Path], graphs: list[Graph], project: Project | None = None):
        self.project = project or current()
        self.files = files
        self.graphs = graphs
        self.union = Graph()
        for g in graphs:
            self.union += g

    @classmethod
    def parse(cls, files: list[Path], project: Project | None = None) -> Sources:
        return cls(files, [dataset.parse_file(f) for f in files], project)

    # -- naming nodes

    def name(self, node: Node | None) -> str | None:
        """A readable name: prefixed IRI, literal text, or a blank node's path from its owner."""
        if node is None:
            return None
        if isinstance(node, URIRef):
            return readable(str(node), self.project)
        if isinstance(node, Literal):
            return str(node)
        owner, steps = self.owner(node)
        if owner is None:
            return "[nœud anonyme]"
        return " › ".join([self.name(owner)] + [self.name(p) for p in steps])

    def owner(self, node: Node) -> tuple[Node | None, list[Node]]:
        """The IRI a blank node hangs from, and the properties leading from it to the node."""
        steps: list[Node] = []
        seen = {node}
        while isinstance(node, BNode):
            parent = next(iter(self.union.subject_predicates(node)), None)
            if parent is None or parent[0] in seen:
                return None, steps
            node, prop = parent
            seen.add(node)
            steps.insert(0, prop)
        return node, steps

    def file_of(self, focus: Node, path: Node | None = None, value: Node | None = None) -> str | None:
        """The file that states the focus: the triple itself, else the property, else the subject."""
        if isinstance(focus, BNode):
            owner, _ = self.owner(focus)
            candidates = [i for i, g in enumerate(self.graphs) if (focus, None, None) in g]
            if candidates:
                return self._rel(self.files[candidates[0]])
            focus = owner if owner is not None else focus
        if path is not None:
            for obj in ((value,) if value is not None else ()) + (None,):
                for f, g in zip(self.files, self.graphs):
                    if (focus, path, obj) in g:
                        return self._rel(f)
        for pred in (RDF.type, None):
            for f, g in zip(self.files, self.graphs):
                if (focus, pred, None) in g:
                    return self._rel(f)
        return None

    def _rel(self, path: Path) -> str:
        return self.project.relative(path)

    # -- building violations

    def shacl_violation(self, results: Graph, result: Node) -> Violation:
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        messages = list(results.objects(result, SH.resultMessage))
        french = [m for m in messages if getattr(m, "language", None) == "fr"]
        message = self.shorten(str((french or messages or [Literal("contrainte non respectée")])[0]))
        severity = SEVERITIES.get(results.value(result, SH.resultSeverity), "violation")
        if isinstance(shape, BNode):
            shape_name = f"forme anonyme ({self.name(results.value(result, SH.sourceConstraintComponent))})"
        else:
            shape_name = self.name(shape)
        return Violation(
            file=self.file_of(focus, path if isinstance(path, URIRef) else None, value),
            focus=self.name(focus),
            rule=shape_name,
            path=self.name(path) if isinstance(path, URIRef) else None,
            value=None if value is None or value == focus else self.name(value),
            message=message,
            severity=severity,
        )

    def check_violation(self, name: str, row) -> Violation:
        focus, path, value = _get(row, "focus"), _get(row, "path"), _get(row, "value")
        message = _get(row, "message")
        return Violation(
            file=self.file_of(focus, path, value) if focus is not None else None,
            focus=self.name(focus) or "(sans ressource)",
            rule=name,
            path=self.name(path),
            value=self.name(value),
            message=self.shorten(str(message)) if message is not None else f"vérification {name} non respectée",
        )

    def shorten(self, text: str) -> str:
        """``text`` with the IRIs a check wrote in full (``STR(?x)``) as prefixed names."""
        return IRI_IN_TEXT.sub(lambda m: self.name(URIRef(m.group(0))).strip("<>"), text)


def _get(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError):
        return None
