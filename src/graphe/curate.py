"""``graphe validate FILES…``: a curator's edit checked in the context of all the data.

A data file links to partners, quartiers and data sets stated in other files; validated alone
it would be reported for every one of them. So the given files are validated together with
the rest of the project — a given file whose name is that of a project file (an edited copy
kept elsewhere) takes that file's place — and only the violations stated in the given files
are reported. The quotes of those files are checked at their offsets in their own source
documents, as ``graphe build`` does, so a curator needs no full build to know an edit is right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graphe import dataset, sources
from graphe.project import Project, current
from graphe.validate import Report, validate


@dataclass
class Outcome:
    """What ``graphe validate`` found: the SHACL and cross-entity report, and the misplaced quotes."""

    report: Report
    anchors_held: int
    anchor_problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        out = self.report.text().rstrip("\n")
        if self.anchor_problems:
            listing = "\n".join(f"  - {p}" for p in self.anchor_problems)
            out += f"\n\nCitations : {len(self.anchor_problems)} absente(s) de leurs positions :\n{listing}"
        else:
            out += f"\nCitations : {self.anchors_held} à leurs positions dans leur document source."
        return out + "\n"


def in_context(files: list[Path], project: Project | None = None) -> tuple[list[Path], list[Path]]:
    """(every file to validate, the given ones): the project's ontology and data files, with
    each given file added or in place of the project file of the same name."""
    given = [Path(f) for f in files]
    for f in given:
        dataset.parse_file(f)  # an unreadable file is a DataError naming it, before anything runs
    own = dataset.ontology_files(project) + dataset.data_files(project)
    resolved = {f.resolve() for f in given}
    names = {f.name for f in given}
    kept = [p for p in own if p.resolve() not in resolved and p.name not in names]
    return kept + given, given


def check(files: list[Path] | None = None, project: Project | None = None) -> Outcome:
    """Validate ``files`` in the context of all the data (default: everything)."""
    project = project or current()
    if not files:
        everything = dataset.ontology_files(project) + dataset.data_files(project)
        report = validate(everything, project)
        union = dataset.union(dataset.load(everything, project))
        held, problems = sources.anchor_problems(union, everything, project=project)
        return Outcome(report, held, problems)
    everything, given = in_context(files, project)
    full = validate(everything, project)
    mine = {project.relative(f) for f in given}
    report = Report(
        violations=[v for v in full.violations if v.file in mine],
        graph=full.graph,
        files=given,
        rules=full.rules,
        seconds=full.seconds,
    )
    union = dataset.union(dataset.load(everything, project))
    held, problems = sources.anchor_problems(union, everything, only=set(given), project=project)
    return Outcome(report, held, problems)
