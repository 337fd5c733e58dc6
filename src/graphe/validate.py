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

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, Node
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.util import from_n3

from graphe import checks as oxigraph_checks
from graphe import dataset, shacl_rudof, shacl_units
from graphe.errors import DataError
from graphe.namespaces import CDVSH, bind_all
from graphe.project import Project, current
from graphe.validation_cache import Cache, digest, file_digest, rules_digest
from graphe.validation_sources import Sources, Violation

__all__ = ["Report", "Sources", "Violation", "validate"]

#: What a check file's name ends with; the rest of the stem is the check's name.
CHECK_SUFFIX = "-violation.rq"


@dataclass
class Report:
    """The outcome of :func:`validate`."""

    violations: list[Violation]
    graph: Graph  # the SHACL validation report, check results included (for dist/)
    files: list[Path] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # how many shapes and checks ran
    seconds: dict[str, float] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # how many files were re-validated, the rest came from the cache

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


def validate(files: list[Path] | None = None, project: Project | None = None, cache: Cache | None = None,
             workers: int | None = None, engine: str | None = None) -> Report:
    """Validate ``files`` (default: the project's ontology and data files) against shapes and checks.

    Data files are validated with an ontology: when none of ``files`` declares an owl:Ontology,
    the project's ontology files are added (the class hierarchy, the theme and dispositif
    schemes), else every ``sh:class`` and every ``cdv:`` term would be reported.
    The shapes run file by file (:mod:`graphe.shacl_units`), the checks on the whole data in
    Oxigraph; both are cached by content (:mod:`graphe.validation_cache`; ``cache=Cache(enabled=False)``
    re-validates everything).
    ``engine``: ``"rudof"`` for rudof's faster first pass (:mod:`graphe.shacl_rudof`), default pySHACL
    (or ``GRAPHE_MOTEUR_SHACL``).
    Raises :class:`graphe.errors.DataError` when a file (data, shapes or check) cannot be read.
    """
    project = project or current()
    files = list(files) if files is not None else dataset.ontology_files(project) + dataset.data_files(project)
    cache = cache if cache is not None else Cache(project=project)
    shapes = load_shapes(project)
    checks = load_checks(project.checks)
    rules = rules_digest(shape_files(project) + [c.path for c in checks.values()], project)
    engine = shacl_rudof.engine(engine)
    rudof = shacl_rudof.split(shapes) if engine == "rudof" else None  # refuses, in French, what rudof cannot read
    if rudof is not None:  # its own cache entries: a result it let through is never served to pySHACL's runs
        rules = digest(rules, "rudof", shacl_rudof.version(), file_digest(Path(shacl_rudof.__file__)))
    plan = shacl_units.Plan(files, cache, rules, workers)
    if not plan.declares_ontology():
        files = [f for f in dataset.ontology_files(project) if f not in files] + files
        plan = shacl_units.Plan(files, cache, rules, workers)

    started = time.perf_counter()
    records = {u.key: cache.get(u.key) for u in plan.units}
    todo = [u for u in plan.units if records[u.key] is None]
    if todo:
        for key, found in shacl_units.run(todo, shapes, plan.files, plan.subclass, project, workers, rudof):
            cache.put(key, found)  # batch by batch: an interrupted validation keeps what it did
            records[key] = found
    shacl_seconds = time.perf_counter() - started

    results = Graph()
    report_node = BNode()
    results.add((report_node, RDF.type, SH.ValidationReport))
    violations = []
    for record in {json.dumps(r, sort_keys=True): r for rs in records.values() for r in rs}.values():
        violations.append(Violation(**record["violation"]))
        node = BNode()
        results.add((report_node, SH.result, node))
        for p, o in record["triples"]:
            results.add((node, from_n3(p), from_n3(o)))

    started = time.perf_counter()
    check_key = digest("vérifications", rules, *(f"{f} {h}" for f, h in zip(plan.files, plan.hashes)))
    rows = cache.get(check_key)
    checks_cached = rows is not None
    if rows is None:
        rows = _run_checks(plan.files, checks, project)
        cache.put(check_key, rows)
    for item in rows:
        found = Violation(**item["violation"])
        violations.append(found)
        _add_check_result(results, report_node, checks[item["check"]],
                          {k: from_n3(v) for k, v in item["row"].items()}, found)
    check_seconds = time.perf_counter() - started

    violations.sort(key=lambda v: (v.file or "~", v.focus, v.rule, v.path or "", v.value or ""))
    report = Report(
        violations=violations,
        graph=bind_all(results, project),
        files=files,
        rules={"formes": count_shapes(shapes), "verifications": len(checks)},
        seconds={"shacl": round(shacl_seconds, 3), "verifications": round(check_seconds, 3)},
        cache={"fichiers": len(plan.files), "revalides": sum(not u.hub for u in todo),
               "noeuds_partages": len(plan.hubs), "noeuds_revalides": sum(u.hub for u in todo),
               "verifications_en_cache": checks_cached, "moteur": engine},
    )
    results.set((report_node, SH.conforms, Literal(report.conforms)))
    return report


def _run_checks(files: list[Path], checks: dict, project: Project) -> list[dict]:
    """Every check's rows on the union of ``files`` in Oxigraph (rdflib's joins grow ~n²), as JSON."""
    store, order = oxigraph_checks.load_files(files)
    view = oxigraph_checks.StoreSources(store, files, order, project)
    rows = []
    for check, row in oxigraph_checks.run_store(store, checks.values()):
        found, converted = view.violation(check.name, row)
        rows.append({"check": check.name, "violation": found.__dict__.copy(),
                     "row": {k: v.n3() for k, v in converted.items()}})
    return rows


# --------------------------------------------------------------------------- rules


def shape_files(project: Project | None = None) -> list[Path]:
    base = (project or current()).ontology
    return [base / "shapes.ttl", *sorted(base.glob("shapes-*.ttl")), base / "prefixes.ttl"]


def load_shapes(project: Project | None = None) -> Graph:
    """The shapes graph: ``ontology/shapes.ttl`` (and ``shapes-*.ttl``) with the prefix table its SPARQL uses."""
    files = shape_files(project)
    versions = []
    for f in files:
        try:  # by content, not date: the cache keys results by these bytes, the parsed graph must be theirs
            versions.append((f, file_digest(f), 0))
        except OSError as exc:
            raise DataError(f"{f}: {exc}") from None
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
