"""Validating the data: SHACL shapes plus the cross-entity checks, one report grouped by file.

Two kinds of rules, both run on the union of the ontology and data files:

- the SHACL shapes of ``ontology/shapes.ttl`` (with the prefix table, which its SPARQL target
  uses), run by pySHACL *without* inference: the ontology is in the data graph, so
  ``sh:targetClass`` and ``sh:class`` already follow ``rdfs:subClassOf``, and RDFS inference
  would only hide errors (a wrong ``cdv:partenaire`` value would *become* an org:Organization
  through the property's range instead of being reported);
- the checks ``queries/checks/*-violation.rq``: SELECT queries that must return no rows, for
  rules that relate several resources (a mention inside its parent's passage…). Each row gives
  at least ``?focus`` and ``?message``, optionally ``?path`` and ``?value``.

Each file is parsed on its own first, so a violation names the file that states its focus; a
passage or mention (blank node) is shown through the resource it hangs from
(``objectif:x › cdv:mention › oa:hasTarget``).

>>> from graphe.project import current
>>> report = validate([current().ontology / "cdv.ttl"])
>>> report.conforms, report.violations
(True, [])
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from graphe import checks as oxigraph_checks
from graphe import dataset
from graphe.errors import DataError
from graphe.namespaces import CDVSH, bind_all, readable
from graphe.project import Project, current

#: What a check file's name ends with; the rest of the stem is the check's name.
CHECK_SUFFIX = "-violation.rq"

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


@dataclass
class Report:
    """The outcome of :func:`validate`."""

    violations: list[Violation]
    graph: Graph  # the SHACL validation report, check results included (for dist/)
    files: list[Path] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # how many shapes and checks ran
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        """No violation (warnings and infos do not block a build)."""
        return not any(v.severity == "violation" for v in self.violations)

    def by_file(self) -> dict[str, list[Violation]]:
        groups: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            groups[v.file or "(fichier inconnu)"].append(v)
        return dict(sorted(groups.items()))

    def text(self) -> str:
        """The report for people, in French, grouped by file.

        It depends only on the inputs (no timing: the build publishes it and its checksum).
        """
        ran = (
            f"{len(self.files)} fichier(s), {self.rules.get('formes', 0)} formes SHACL, "
            f"{self.rules.get('verifications', 0)} vérifications"
        )
        if not self.violations:
            return f"Validation : données conformes ({ran}).\n"
        counts: dict[str, int] = defaultdict(int)
        for v in self.violations:
            counts[v.severity] += 1
        summary = ", ".join(f"{n} {sev}(s)" for sev, n in sorted(counts.items()))
        lines = [f"Validation : {'conforme' if self.conforms else 'NON CONFORME'} — {summary} ({ran})."]
        for file, found in self.by_file().items():
            lines.append("")
            lines.append(f"{file} ({len(found)})")
            lines += [f"  - {v.line()}" for v in sorted(found, key=lambda v: (v.focus, v.rule))]
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- entry point


def validate(files: list[Path] | None = None, project: Project | None = None) -> Report:
    """Validate ``files`` (default: the project's ontology and data files) against shapes and checks.

    Data files are validated with an ontology: when none of ``files`` declares an owl:Ontology,
    the project's ontology files are added (the class hierarchy, the theme and dispositif
    schemes), else every ``sh:class`` and every ``cdv:`` term would be reported.
    Raises :class:`graphe.errors.DataError` when a file (data, shapes or check) cannot be read.
    """
    project = project or current()
    files = list(files) if files is not None else dataset.ontology_files(project) + dataset.data_files(project)
    sources = Sources.parse(files, project)
    if (None, RDF.type, OWL.Ontology) not in sources.union:
        files = [f for f in dataset.ontology_files(project) if f not in files] + files
        sources = Sources.parse(files, project)
    shapes = load_shapes(project)
    checks = load_checks(project.checks)

    started = time.perf_counter()
    _, results, _ = shacl_validate(
        sources.union,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    shacl_seconds = time.perf_counter() - started
    violations = [sources.shacl_violation(results, r) for r in results.subjects(RDF.type, SH.ValidationResult)]

    started = time.perf_counter()
    report_node = next(results.subjects(RDF.type, SH.ValidationReport))
    for check, row in oxigraph_checks.run(sources.union, checks.values()):  # Oxigraph: rdflib's joins grow ~n²
        found = sources.check_violation(check.name, row)
        violations.append(found)
        _add_check_result(results, report_node, check, row, found)
    check_seconds = time.perf_counter() - started

    violations.sort(key=lambda v: (v.file or "~", v.focus, v.rule, v.path or "", v.value or ""))
    report = Report(
        violations=violations,
        graph=bind_all(results, project),
        files=files,
        rules={"formes": count_shapes(shapes), "verifications": len(checks)},
        seconds={"shacl": round(shacl_seconds, 3), "verifications": round(check_seconds, 3)},
    )
    results.set((report_node, SH.conforms, Literal(report.conforms)))
    return report


# --------------------------------------------------------------------------- rules


def load_shapes(project: Project | None = None) -> Graph:
    """The shapes graph: ``ontology/shapes.ttl`` (and ``shapes-*.ttl``) with the prefix table its SPARQL uses."""
    base = (project or current()).ontology
    files = [base / "shapes.ttl", *sorted(base.glob("shapes-*.ttl")), base / "prefixes.ttl"]
    versions = []
    for f in files:
        try:
            stat = f.stat()
        except OSError as exc:
            raise DataError(f"{f}: {exc}") from None
        versions.append((f, stat.st_mtime_ns, stat.st_size))
    return _parse_shapes(tuple(versions))


def count_shapes(shapes: Graph) -> int:
    """How many node and property shapes the shapes graph declares."""
    return len(set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)))


@lru_cache(maxsize=8)
def _parse_shapes(versions: tuple) -> Graph:
    """Parsed once per version of the files (pySHACL only reads the shapes graph)."""
    shapes = Graph()
    for path, _, _ in versions:
        dataset.parse_file(path, into=shapes)
    return shapes


@dataclass(frozen=True)
class Check:
    """One ``queries/checks/*-violation.rq`` file."""

    name: str
    path: Path
    query: Query
    purpose: str  # its leading comment: why the rule exists


def load_checks(directory: Path | None = None) -> dict[str, Check]:
    """Check name → :class:`Check`, for every ``*-violation.rq`` in ``queries/checks``."""
    directory = directory or current().checks
    checks = {}
    for path in sorted(directory.glob(f"*{CHECK_SUFFIX}")):
        try:
            stat = path.stat()
        except OSError as exc:
            raise DataError(f"{path}: {exc}") from None
        checks[path.name[: -len(CHECK_SUFFIX)]] = _parse_check(path, stat.st_mtime_ns, stat.st_size)
    return checks


@lru_cache(maxsize=256)
def _parse_check(path: Path, mtime_ns: int, size: int) -> Check:
    """Parsing SPARQL costs more than running these checks: parse each file once (per version)."""
    try:
        text = path.read_text(encoding="utf-8")
        return Check(path.name[: -len(CHECK_SUFFIX)], path, prepareQuery(text), check_purpose(text))
    except OSError as exc:
        raise DataError(f"{path}: {exc}") from None
    except Exception as exc:  # pyparsing's ParseException and rdflib's errors have no common base
        raise DataError(f"{path}: requête SPARQL invalide: {exc}") from None


def check_purpose(text: str) -> str:
    """The leading ``#`` comment of a check: why the rule exists."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def _add_check_result(results: Graph, report_node: Node, check: Check, row, found: Violation) -> None:
    """Record a check's row in the SHACL report graph, as a SPARQL-based result.

    Its ``sh:sourceShape`` is ``cdvsh:{check name}``, labelled with the check's name and
    purpose and pointing to its file, so the report says which rule failed and why.
    """
    name = check.name
    node = BNode()
    results.add((report_node, SH.result, node))
    results.add((node, RDF.type, SH.ValidationResult))
    focus = _get(row, "focus")
    if focus is not None:
        results.add((node, SH.focusNode, focus))
    results.add((node, SH.resultSeverity, SH.Violation))
    results.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
    results.add((node, SH.sourceShape, CDVSH[name]))
    results.add((node, SH.resultMessage, Literal(found.message, lang="fr")))
    path, value = _get(row, "path"), _get(row, "value")
    if path is not None:
        results.add((node, SH.resultPath, path))
    if value is not None:
        results.add((node, SH.value, value))
    results.set((CDVSH[name], RDFS.label, Literal(name)))
    results.set((CDVSH[name], RDFS.comment, Literal(check.purpose, lang="fr")))
    results.set((CDVSH[name], RDFS.seeAlso, Literal(f"queries/checks/{check.path.name}")))


def _get(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError):
        return None


# --------------------------------------------------------------------------- the files


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
