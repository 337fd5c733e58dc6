"""Synthetic national-scale data: N replicas of the annex's facts, for the benchmark only.

France has about 1,300 communes with a contrat de ville; the annex has 4. To measure the build
and the server at that size, this script copies the annex's facts N times (300× ≈ 1,200
communes, ≈ 2 M quads). Each replica:

- renames every resource IRI under ``…/id/`` (``-r{k}`` at the end of the slug) except the
  shared vocabularies (themes, dispositifs, roles, indicators, units, the dataset's description and
  the source document), and gives its communes synthetic codes that no real commune has (``0A000``…: a letter in second
  place exists in real INSEE codes only as 2A/2B), so that the shapes' patterns still hold;
- has its passages in its own copy of the source text: the replicas' texts follow one another
  in the synthetic annex, and replica k's offsets are shifted by k times the annex's length,
  so every quote is at its offsets and no two replicas cite the same passage.

Replica 0 is the annex itself, unchanged. Everything is written to a directory given on the
command line (a temporary one by default), marked SYNTHÉTIQUE, and never to ``data/``: these
are not facts and are never shipped.

    python bench/replicate.py --scale 10 --project OUT     # a project to run graphe build on
    python bench/replicate.py --scale 300 --nquads dist/dataset.nq OUT.nq   # a dataset to serve
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from graphe.cli.parser import FrenchParser

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/contrats-de-ville/id/"
#: Types under /id/ shared by every replica (vocabularies and the dataset's own description).
SHARED = ("theme", "dispositif", "role", "indicateur", "unite", "jeu-de-donnees", "document")
MARK = "# SYNTHÉTIQUE : réplique de banc d'essai (bench/replicate.py), jamais publiée, pas des faits.\n"

_IRI = re.compile(r"<" + re.escape(ID) + r"(?!(?:" + "|".join((*SHARED, "commune")) + r")/)([^/>]+)/([^>]*)>")
_COMMUNE = re.compile(r"(/id/commune/|\")(\d[0-9AB]\d{3})(>|\")")
_OFFSET = re.compile(r"^(\S+ <http://www\.w3\.org/ns/oa#(?:start|end)> \")(\d+)(\"\^\^)")
_BNODE = re.compile(r"(?<![<\"\w])_:([A-Za-z0-9_]+)")


def synthetic_code(k: int, i: int) -> str:
    """The code of commune ``i`` of replica ``k``: never a real INSEE code.

    >>> synthetic_code(1, 0), synthetic_code(250, 3)
    ('0A004', '0B003')
    """
    n = k * 4 + i
    first = "013456789"[n // 2000]
    return f"{first}{'AB'[(n // 1000) % 2]}{n % 1000:03d}"


def is_replicated(line: str) -> bool:
    """Does this N-Triples / N-Quads line describe a replica's own resources?"""
    return bool(_IRI.search(line) or _BNODE.search(line) or "/id/commune/" in line)


def rename(line: str, k: int, shift: int, communes: dict[str, int]) -> str:
    """``line`` as replica ``k`` states it (k = 0: unchanged)."""
    if k == 0:
        return line
    line = _IRI.sub(lambda m: f"<{ID}{m.group(1)}/{m.group(2)}-r{k}>", line)
    line = _COMMUNE.sub(
        lambda m: m.group(1) + (synthetic_code(k, communes[m.group(2)]) if m.group(2) in communes else m.group(2))
        + m.group(3), line)
    line = _BNODE.sub(lambda m: f"_:{m.group(1)}r{k}", line)
    return _OFFSET.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + k * shift}{m.group(3)}", line)


def replicate(lines: Iterable[str], scale: int, shift: int, communes: dict[str, int]) -> Iterator[str]:
    """Every line once if shared, ``scale`` times (one per replica) if a replica's own."""
    for line in lines:
        if is_replicated(line):
            for k in range(scale):
                yield rename(line, k, shift, communes)
        else:
            yield line


def commune_codes(lines: Iterable[str]) -> dict[str, int]:
    """The annex's commune codes, numbered in sorted order."""
    found = sorted({m.group(2) for line in lines for m in _COMMUNE.finditer(line) if "/id/commune/" in m.group(0)})
    return {code: i for i, code in enumerate(found)}


def source_length(root: Path = ROOT) -> int:
    return len((root / "data" / "source" / "annexe-1-contrats-de-ville.md").read_text(encoding="utf-8"))


def make_nquads(source: Path, scale: int, out: Path, root: Path = ROOT) -> Path:
    """``out``: the N-Quads of ``source`` (a built dataset.nq) at ``scale`` replicas."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    communes = commune_codes(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(replicate(lines, scale, source_length(root), communes))
    (out.parent / "SYNTHETIQUE.txt").write_text(MARK[2:], encoding="utf-8")
    return out


def write_replica_files(folder: Path, stem: str, lines: list[str], scale: int, shift: int,
                        communes: dict[str, int]) -> list[Path]:
    """One file per replica, as a national project would have one file per commune.

    ``{stem}.ttl`` holds the shared lines and replica 0 (the annex's file as it is), ``{stem}-r{k}.ttl``
    replica k's own lines: changing one commune of one replica changes one file (what the validation
    cache re-validates). N-Triples is Turtle: the build reads these files as they are.
    """
    shared = [line for line in lines if not is_replicated(line)]
    own = [line for line in lines if is_replicated(line)]
    written = []
    for k in range(scale):
        path = folder / (f"{stem}.ttl" if k == 0 else f"{stem}-r{k}.ttl")
        with open(path, "w", encoding="utf-8") as f:
            f.write(MARK)
            if k == 0:
                f.writelines(shared)
            f.writelines(rename(line, k, shift, communes) for line in own)
        written.append(path)
    return written


def make_project(scale: int, out: Path, root: Path = ROOT) -> Path:
    """A copy of the project's inputs at ``scale`` replicas, for ``GRAPHE_HOME=out graphe build``."""
    from rdflib import Graph

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root / "ontology", out / "ontology")
    shutil.copytree(root / "queries", out / "queries")
    (out / "data" / "ttl").mkdir(parents=True)
    (out / "data" / "source").mkdir(parents=True)
    text = (root / "data" / "source" / "annexe-1-contrats-de-ville.md").read_text(encoding="utf-8")
    (out / "data" / "source" / "annexe-1-contrats-de-ville.md").write_text(text * scale, encoding="utf-8")
    files = sorted((root / "data" / "ttl").glob("*.ttl"))
    triples = {p: Graph().parse(p, format="turtle").serialize(format="nt").splitlines(keepends=True) for p in files}
    communes = commune_codes(line for lines in triples.values() for line in lines)
    for path, lines in triples.items():
        write_replica_files(out / "data" / "ttl", path.stem, lines, scale, len(text), communes)
    (out / "SYNTHETIQUE.txt").write_text(MARK[2:], encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description="Répliques synthétiques des faits de l'annexe (banc d'essai).")
    p.add_argument("--scale", type=int, required=True, help="nombre de répliques (1 = l'annexe)")
    p.add_argument("--project", type=Path, help="écrire une copie du projet à cette échelle ici")
    p.add_argument("--nquads", nargs=2, type=Path, metavar=("SOURCE", "SORTIE"),
                   help="répliquer un dataset.nq construit")
    args = p.parse_args(argv)
    if args.project:
        print(make_project(args.scale, args.project))
    if args.nquads:
        print(make_nquads(args.nquads[0], args.scale, args.nquads[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
