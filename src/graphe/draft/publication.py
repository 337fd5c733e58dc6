"""The rule that keeps drafts out of a release: `graphe build` publishes nothing marked cdv:brouillon."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph

from graphe.errors import ValidationFailed
from graphe.namespaces import CDV, curie
from graphe.terms import to_ox


def refuse_drafts(ds: Dataset | Graph | ox.Store) -> None:
    """Raise when any resource is still a draft: accepting it is the curator's act, not the build's."""
    if isinstance(ds, Dataset):  # graph by graph: no copy of the whole dataset (2.4 M triples at 300×)
        drafts = sorted({s for s, _, _, _ in ds.quads((None, CDV.brouillon, None, None))}, key=str)
    elif isinstance(ds, ox.Store):  # the build's Oxigraph store (graphe.build.oxstore)
        from graphe.terms import from_ox

        drafts = sorted({from_ox(q.subject) for q in ds.quads_for_pattern(None, to_ox(CDV.brouillon), None)}, key=str)
    else:
        drafts = sorted(set(ds.subjects(CDV.brouillon, None)), key=str)
    if not drafts:
        return
    named = [curie(str(s)) or str(s) for s in drafts if not str(s).startswith("_:") and "genid" not in str(s)]
    shown = ", ".join(named[:5]) + (" …" if len(named) > 5 else "")
    raise ValidationFailed(
        f"publication refusée : {len(drafts)} énoncé(s) encore en brouillon (cdv:brouillon true) — {shown}. "
        "Un curateur doit les relire et retirer leurs lignes cdv:brouillon pour les accepter (docs/modelling.md §7)."
    )
