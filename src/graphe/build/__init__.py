"""Building the published dataset, one module per job.

=================  =======================================================================
module             job
=================  =======================================================================
``pipeline``       :func:`build`: parse → validate → check provenance → reason → write
``skolem``         blank nodes → stable IRIs under ``…/id/.well-known/genid/``
``dumps``          the sorted, deterministic serialisations (N-Quads, TriG, Turtle, JSON-LD)
``describe``       the VoID + DCAT description of the dataset and its dumps
``ontology_doc``   the ontology's French documentation page (``dist/ontologie.html``)
``publish``        writing every output to a fresh directory and swapping it in atomically
``fresh``          one staleness rule for every command that reads ``dist/``
=================  =======================================================================

The same inputs give the same bytes, so the version (the SHA-256 of ``dataset.nq``) names
the content; invalid data never replaces valid data.
"""

from graphe.build.dumps import GRAPH_FILES, named_graphs, to_jsonld, to_nquads, to_trig, to_turtle
from graphe.build.fresh import ensure_built, is_stale, open_store, sources
from graphe.build.pipeline import BuildResult, build, check_provenance
from graphe.build.publish import short, swap
from graphe.build.skolem import GENID, relabel, skolemize

__all__ = [
    "GENID", "GRAPH_FILES", "BuildResult", "build", "check_provenance", "ensure_built", "is_stale", "named_graphs",
    "open_store", "relabel", "short", "skolemize", "sources", "swap", "to_jsonld", "to_nquads", "to_trig",
    "to_turtle",
]
