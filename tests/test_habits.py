"""House rules the code must keep: lint and types clean, small modules, no import cycle,
golden answers as committed. Part of the default run, so `.ci/run` (the README's test
command) enforces them too."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graphe.project import current

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "graphe"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400
#: Modules allowed over MAX_LINES, each with the reason (to be split by their owner).
OVERSIZE: dict[str, str] = {}


def test_ruff_passes():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", MODULES, ids=[str(m.relative_to(PACKAGE)) for m in MODULES])
def test_no_module_over_400_lines(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    if str(module.relative_to(PACKAGE)) in OVERSIZE:
        return
    assert lines <= MAX_LINES, f"{module.relative_to(ROOT)}: {lines} lignes (au plus {MAX_LINES}) : le découper par tâche"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_at_load(path: Path) -> set[str]:
    """The graphe modules ``path`` imports when it is loaded (function-level imports run later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from graphe import dataset` imports graphe.dataset
    return {m for m in found if m == "graphe" or m.startswith("graphe.")}


def test_the_import_graph_has_no_cycle():
    known = {module_name(p) for p in MODULES}
    graph = {module_name(p): {m for m in imports_at_load(p) if m in known and m != module_name(p)} for p in MODULES}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    # a package's __init__ importing its own submodules is how a package exposes them, not a cycle
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") or c[0].startswith(m + ".") for m in c)]
    assert not real, "cycles d'import : " + " ; ".join(" → ".join(c) for c in real)


def test_golden_answers_are_as_committed():
    """`pytest --update-golden` writes tests/golden and fails; the files it wrote must be
    reviewed against the annex and committed before a run can pass."""
    git = shutil.which("git")
    inside = git and subprocess.run([git, "rev-parse", "--is-inside-work-tree"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip() == "true"
    if not inside:
        pytest.skip("pas une copie de travail git : rien à quoi comparer tests/golden")
    changed = subprocess.run([git, "status", "--porcelain", "--", "tests/golden"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert not changed.strip(), f"tests/golden diffère du commit (relire contre l'annexe, puis committer) :\n{changed}"


def test_nothing_points_outside_the_repository():
    """No file of the repository cites a document the reader does not have."""
    offenders = []
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*"), *PACKAGE.rglob("*.py"), *(ROOT / "ontology").glob("*.ttl"),
                 *(ROOT / "data" / "ttl").glob("*.ttl"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "queries").rglob("*.rq")]:
        if path.is_file() and path != Path(__file__).resolve():
            text = path.read_text(encoding="utf-8", errors="replace")
            if "DESIGN.md" in text or "DESIGN §" in text or "../shared" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"renvoient à un document absent du dépôt : {offenders}"


def test_the_version_is_written_once():
    import graphe

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "version = {attr = \"graphe.__version__\"}" in pyproject
    assert graphe.__version__ in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert current().root.is_dir()
