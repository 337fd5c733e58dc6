"""Loading the project's Turtle files into one rdflib Dataset of named graphs.

Which file goes to which named graph is decided here and only here (docs/architecture.md, « Named graphs »):
``ontology/*.ttl`` → ``ontologie`` (except the SHACL shapes and the prefix table, which
describe the data rather than belong to it), ``data/ttl/referentiel*.ttl`` → ``referentiel``,
every other ``data/ttl/*.ttl`` → ``annexe-1``.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from graphe import turtle_errors
from graphe.errors import DataError
from graphe.namespaces import GRAPH_ANNEXE, GRAPH_DERIVEES, GRAPH_INFERENCES, GRAPH_ONTOLOGIE, GRAPH_REFERENTIEL, bind_all
from graphe.project import Project, current

#: Files of ontology/ that are not part of the published dataset.
NOT_DATA = {"shapes.ttl", "prefixes.ttl"}


def ontology_files(project: Project | None = None) -> list[Path]:
    base = (project or current()).ontology
    return sorted(p for p in base.glob("*.ttl") if p.name not in NOT_DATA and not p.name.startswith("shapes-"))


def data_files(project: Project | None = None) -> list[Path]:
    base = (project or current()).data_ttl
    return sorted(base.glob("*.ttl"))


def graph_for(path: Path) -> URIRef:
    """The named graph a source file belongs to."""
    if path.parent.name == "ontology":
        return GRAPH_ONTOLOGIE
    if path.name.startswith("referentiel"):
        return GRAPH_REFERENTIEL
    return GRAPH_ANNEXE


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle file, turning a syntax error into a DataError naming file and line."""
    graph = into if into is not None else Graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as exc:
        raise DataError(f"{path}: {turtle_errors.describe(exc)}") from None
    except FileNotFoundError:
        raise DataError(f"{path}: fichier introuvable") from None
    except IsADirectoryError:
        raise DataError(f"{path}: c'est un dossier, pas un fichier Turtle") from None
    except PermissionError:
        raise DataError(f"{path}: lecture interdite (droits)") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: pas en UTF-8 (octet {exc.start})") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: illisible : {exc}") from None
    return graph


def load(files: list[Path] | None = None, project: Project | None = None) -> Dataset:
    """The dataset built from ``files`` (default: the project's ontology and all its data files)."""
    ds = bind_all(Dataset(), project)
    for path in files if files is not None else ontology_files(project) + data_files(project):
        parse_file(path, into=ds.graph(graph_for(path)))
    return ds


def union(ds: Dataset | Graph) -> Graph:
    """Every asserted triple of ``ds`` in one graph: all named graphs but ``graphe:inferences``
    and ``graphe:derivees``.

    Validation, provenance, coverage and reasoning read the facts as stated, never what was
    inferred or derived from them.
    """
    if not isinstance(ds, Dataset):
        return ds
    out = bind_all(Graph())
    for g in ds.graphs():
        if g.identifier not in (GRAPH_INFERENCES, GRAPH_DERIVEES):
            out += g
    return out
