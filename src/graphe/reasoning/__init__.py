"""Reasoning over the ontology and the data: HermiT's consistency check, and the entailments users need.

Two jobs, two tools, on a pyoxigraph Store (what the build holds) or an rdflib Graph/Dataset
(:mod:`~graphe.reasoning.source` reads both the same way; graphe:inferences and
graphe:derivees are never an input):

- :func:`check` runs HermiT (an OWL 2 DL reasoner): the graph must be consistent and no class
  unsatisfiable, else :class:`ReasoningFailed` says why in French (which resource is of two
  disjoint kinds, which value breaks a range…). The OWL view is written as N-Triples straight
  from the Store (:mod:`~graphe.reasoning.partition`), cut into modules that are checked side
  by side by HermiT's command line (:mod:`~graphe.reasoning.java`) when the ontology allows
  it — :mod:`~graphe.reasoning.modules` says when and why the verdict is the same.
- :func:`infer` materialises the entailments the endpoint serves in ``graphe:inferences``: the
  rdf:type closure along the class hierarchy (an association is a cdv:Partenaire and an
  org:Organization), domains and ranges, inverse properties, sub-properties, property chains
  (a sub-objective's axis, a contract's axes) and transitive properties (SKOS
  broaderTransitive / narrowerTransitive), with skos:narrower from skos:broader. Given a
  Store it returns pyoxigraph triples, given rdflib an rdflib Graph.

:func:`infer` uses a small forward-chaining rule set read from the ontology's own axioms
(OWL 2 RL rules cax-sco, cax-eqc, prp-dom, prp-rng, prp-spo1, prp-spo2, prp-inv, prp-symp, prp-trp, plus
ObjectHasSelf for the one "rolification" of cdv.ttl) rather than HermiT's output or owlrl:
HermiT, through owlready2, reports only named individuals (not passages and mentions) and
leaves out property values that follow from an inverse; owlrl computes the whole OWL 2 RL
closure of every triple — on the real data (7 000 triples) 3.8 s and 9 000 new triples, of
which the 950 below are the useful ones, the rest owl:sameAs x x, owl:Thing, literal types and
schema triples — and does not know ObjectHasSelf (cdv:aPourAxe). The rules are saturated set
at a time over integers (:mod:`~graphe.reasoning.saturate`); :class:`Closure`, one fact at a
time, stays the reference they are tested against. The test suite checks them against HermiT
and owlrl on the real data: the same types as HermiT for every named individual, and exactly
owlrl's entailments about individuals, plus cdv:aPourAxe.

What HermiT is given is an OWL 2 DL view of the graph (:func:`owl_view`): datatypes outside the
OWL 2 datatype map (xsd:gYear, xsd:date, xsd:gYearMonth…) become plain strings and ranges over
them rdfs:Literal; class assertions on properties (``cdv:annee a qb:DimensionProperty``: a pun
owlready2 mistakes for a change of the property's type) are dropped; properties and classes
that no vocabulary declares (dcat:, void:, adms: metadata…) are declared as annotation
properties and classes. The published graph itself is not changed. :func:`check_owlready`,
the way it was done before (owlready2, the whole graph, every individual classified), is kept
for bench/reasoning_scale.py to compare with.
"""

from graphe.reasoning.consistency import check
from graphe.reasoning.hermit import OWL2_DATATYPES, CheckResult, check_owlready, explain, owl_view
from graphe.reasoning.materialise import infer
from graphe.reasoning.rules import BUILTIN_NAMESPACES, UNINTERESTING_CLASSES, Closure, Rules, reference_inferences

__all__ = [
    "BUILTIN_NAMESPACES", "OWL2_DATATYPES", "UNINTERESTING_CLASSES", "CheckResult", "Closure", "Rules",
    "check", "check_owlready", "explain", "infer", "owl_view", "reference_inferences",
]
