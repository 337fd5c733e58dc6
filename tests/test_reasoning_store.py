"""Reasoning at scale (graphe.reasoning): a pyoxigraph Store as input, the fast rules, HermiT's modules.

- The Store path and the rdflib path give exactly the same inferences on the real data, and
  the set-at-a-time rules (saturate.py) exactly what the reference closure (rules.Closure) gives.
- HermiT checks the real data in several modules (modules.py): every module consistent, the
  same verdict as one module; an inconsistency inside one module is still refused with its
  French cause, an unsatisfiable class still refused.
- When the ontology or the data break the argument for the split (a nominal, a resource with
  two values of a functional property), the data are checked as one module — and a forced
  split would indeed accept an inconsistent graph.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection

from graphe import dataset, reasoning
from graphe.errors import ReasoningFailed
from graphe.namespaces import CDV, readable
from graphe.reasoning import modules, partition, source
from graphe.reasoning.partition import ALL, DROP, Partition
from graphe.reasoning.source import to_ox


def _sibling(name: str):
    """A test module of this folder (pytest imports tests by path, not as a package)."""
    spec = importlib.util.spec_from_file_location(f"_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_cases = _sibling("test_reasoning")  # the broken inputs and the valid case the HermiT tests use
INCONSISTENT, VALID, node = _cases.INCONSISTENT, _cases.VALID, _cases.node
EX = "https://exemple.org/essai#"


def store_of(files: list[Path]) -> ox.Store:
    """The files in a Store the way the build loads them: each in its named graph."""
    store = ox.Store()
    for f in files:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(dataset.graph_for(f))))
    return store


def key(t) -> str:
    """A triple (pyoxigraph or rdflib) as one N-Triples string."""
    if isinstance(t, ox.Triple):
        return f"{t.subject} {t.predicate} {t.object}"
    return " ".join(str(to_ox(x)) for x in t)


@pytest.fixture(scope="module")
def files() -> list[Path]:
    return dataset.ontology_files() + dataset.data_files()


@pytest.fixture(scope="module")
def skolemised():
    from graphe.build import skolemize

    return skolemize(dataset.load())


# --------------------------------------------------------------------------- the rules


def test_store_and_rdflib_give_exactly_the_same_inferences(skolemised, tmp_path):
    """The build reasons on skolemised data: no blank node, so the two can be compared term by term."""
    nquads = tmp_path / "jeu.nq"
    skolemised.serialize(nquads, format="nquads")
    store = ox.Store()
    store.load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    from_store = reasoning.infer(store)
    assert all(isinstance(t, ox.Triple) for t in from_store)
    from_rdflib = reasoning.infer(skolemised)
    assert isinstance(from_rdflib, Graph)
    assert len(from_store) > 500
    assert {key(t) for t in from_store} == {key(t) for t in from_rdflib}
    assert len(from_store) == len(from_rdflib), "no triple twice"


def test_a_store_read_from_the_files_gives_the_same_inferences(files):
    """Blank nodes get other labels in each parser: the rest must be equal, and as many of them."""
    from_store = reasoning.infer(store_of(files))
    from_rdflib = reasoning.infer(dataset.load())
    named = lambda ts: {key(t) for t in ts if "_:" not in key(t)}  # noqa: E731
    assert named(from_store) == named(from_rdflib)
    assert len(from_store) == len(from_rdflib)


@pytest.mark.parametrize("kind", ["brut", "skolemise"])
def test_fast_rules_equal_the_reference_closure(skolemised, kind):
    ds = dataset.load() if kind == "brut" else skolemised
    assert set(reasoning.infer(ds)) == set(reasoning.reference_inferences(ds))


def test_the_inferences_and_deductions_graphs_are_not_read_from_a_store(files):
    store = store_of(files)
    inferred = reasoning.infer(store)
    graph = ox.NamedNode(str(dataset.GRAPH_INFERENCES))
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred)
    assert len(reasoning.infer(store)) == len(inferred)


# --------------------------------------------------------------------------- which links may cross


def test_the_ontology_allows_the_split_and_says_which_links_may_cross():
    plan = modules.Plan(source.schema(store_of(dataset.ontology_files())))
    assert plan.refusal is None
    assert plan.link_allowed(CDV.theme, shared_is_object=True)  # an action → a shared theme
    assert plan.link_allowed(CDV.unite, shared_is_object=True)  # functional from the observation's side
    assert not plan.link_allowed(CDV.territoire, shared_is_object=False)  # functional from the shared side
    assert not plan.link_allowed(CDV.contrat, shared_is_object=True)  # a step of cdv:aPourAxe's chain
    broader = URIRef("http://www.w3.org/2004/02/skos/core#broader")
    assert not plan.link_allowed(broader, shared_is_object=True)  # under a transitive property
    # the classes a link puts its shared end in: the range, and the domain of the inverse
    assert CDV.Dispositif in plan.shared_end_classes(CDV.dispositif, shared_is_object=True)


@pytest.mark.slow
def test_the_real_data_is_cut_into_modules_that_keep_components_whole(files):
    store = store_of(files)
    part = Partition(store, source.schema(store), modules=3)
    assert part.refusal is None and part.count == 3
    subjects, objects, _ = part.edges
    for s, o in zip(subjects, objects):
        if s not in part.shared and o not in part.shared:
            assert part.module[s] == part.module[o], (part.nodes[s], part.nodes[o])
    routed = [part.route(t) for t in source.asserted(store)]
    assert {k for k in routed if k not in (ALL, DROP)} == {0, 1, 2}, "three modules, none empty"


@pytest.mark.slow
def test_the_split_check_equals_the_single_check_on_the_real_data(files):
    store = store_of(files)
    split, single = reasoning.check(store, modules=3), reasoning.check(store, modules=1)
    assert (split.modules, single.modules) == (3, 1)
    assert split.refusal is None
    assert split.triples == single.triples > 5000


# --------------------------------------------------------------------------- refusals still said in French


def broken_store(additions) -> tuple[ox.Store, list[ox.Triple]]:
    store = store_of(VALID)
    added = []
    for s, p, o in additions:
        t = ox.Triple(to_ox(node(s)), to_ox(node(p)), to_ox(o if isinstance(o, Literal) else node(o)))
        store.add(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(dataset.GRAPH_ANNEXE))))
        added.append(t)
    return store, added


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_an_inconsistency_inside_one_module_is_refused_with_its_cause(name):
    additions, expected = INCONSISTENT[name]
    store, added = broken_store(additions)
    part = Partition(store, source.schema(store), modules=2)
    assert part.count == 2 and all(part.route(t) in (0, 1) for t in added), "the fault is in one module"
    messages = []
    for count in (2, 1):
        with pytest.raises(ReasoningFailed) as failure:
            reasoning.check(store, modules=count)
        messages.append(str(failure.value))
    assert messages[0].startswith("HermiT : l'ontologie et les données sont incohérentes.")
    assert expected in messages[0], messages[0]
    assert messages[0] == messages[1], "the module's causes are the whole's"


@pytest.mark.slow
def test_an_unsatisfiable_class_is_refused_when_split():
    store = store_of(VALID)
    g = ox.NamedNode(str(dataset.GRAPH_ONTOLOGIE))
    for s, p, o in [(CDV.ObjectifEtAxe, RDF.type, OWL.Class), (CDV.ObjectifEtAxe, RDFS.subClassOf, CDV.Objectif),
                    (CDV.ObjectifEtAxe, RDFS.subClassOf, CDV.Axe)]:
        store.add(ox.Quad(to_ox(s), to_ox(p), to_ox(o), g))
    assert Partition(store, source.schema(store), modules=2).count == 2
    with pytest.raises(ReasoningFailed, match=r"classes insatisfiables .*: cdv:ObjectifEtAxe —"):
        reasoning.check(store, modules=2)


# --------------------------------------------------------------------------- the fallback


def nominal_case() -> Graph:
    """x1 and x2 are unrelated, but both in {u}: so x1 = x2, of two disjoint classes."""
    g = Graph()
    a, b, c, u = (URIRef(EX + n) for n in ("A", "B", "C", "u"))
    for cls in (a, b, c):
        g.add((cls, RDF.type, OWL.Class))
    g.add((b, OWL.disjointWith, c))
    one_of, members = URIRef(EX + "seulement-u"), URIRef(EX + "liste")
    Collection(g, members, [u])
    g.add((one_of, OWL.oneOf, members))
    g.add((a, OWL.equivalentClass, one_of))
    for x, cls in (("x1", b), ("x2", c)):
        g.add((URIRef(EX + x), RDF.type, a))
        g.add((URIRef(EX + x), RDF.type, cls))
    return g


@pytest.mark.slow
def test_a_nominal_makes_hermit_check_everything_as_one_module(monkeypatch):
    g = nominal_case()
    store = source.as_store(g)
    part = Partition(store, source.schema(store), modules=2)
    assert part.count == 1 and "owl:oneOf" in part.refusal
    with pytest.raises(ReasoningFailed, match="incohérentes"):
        reasoning.check(g)
    # the fallback is needed: split anyway, each half is consistent and the whole is not
    monkeypatch.setattr(modules.Plan, "_refusal", staticmethod(lambda axioms: None))
    forced = Partition(store, source.schema(store), modules=2)
    x1, x2 = (to_ox(URIRef(EX + x)) for x in ("x1", "x2"))
    assert forced.module[forced.ids[x1]] != forced.module[forced.ids[x2]]
    assert reasoning.check(g, modules=2).modules == 2


def test_two_values_of_a_functional_property_make_one_module():
    store, _ = broken_store([("observation:champigny-ecart-taux-emploi-2009", "cdv:unite", "unite:euro")])
    part = Partition(store, source.schema(store), modules=2)
    assert part.count == 1
    assert "deux valeurs pour la propriété fonctionnelle" in part.refusal
    assert "cdv:unite" in part.refusal and "observation:champigny-ecart-taux-emploi-2009" in part.refusal


@pytest.mark.parametrize("functional", [False, True])
def test_every_module_is_what_hermit_reads(files, tmp_path, functional):
    store = store_of(files)
    part = Partition(store, source.schema(store), modules=2)
    tbox, paths, lines = part.write(tmp_path, functional=functional)
    assert [p.suffix for p in paths] == [".ofn" if functional else ".nt"] * 2
    for path in (tbox, *tmp_path.glob("module-*.nt")):
        g = Graph().parse(path, format="nt")
        assert not [t for t in g if "/.well-known/genid/" in str(t[0])], "Skolem IRIs become blank nodes"
        for _, _, o in g:
            if isinstance(o, Literal) and o.datatype is not None:
                assert o.datatype in partition.OWL2_DATATYPES
        assert not list(g.triples((None, OWL.imports, None)))
    for path in paths if functional else ():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("Ontology(") and f"Import(<{path.with_suffix('.nt').as_uri()}>)" in text
        assert " _:" not in text, "anonymous individuals are named: one individual in both files"
    assert lines > 5000


@pytest.mark.slow
def test_functional_syntax_and_n_triples_give_the_same_verdicts(files):
    store = store_of(files)
    assert reasoning.check(store, functional=True).triples == reasoning.check(store, functional=False).triples
    broken, _ = broken_store(INCONSISTENT["axe-partenaire"][0])
    messages = []
    for functional in (True, False):
        with pytest.raises(ReasoningFailed) as failure:
            reasoning.check(broken, functional=functional)
        messages.append(str(failure.value))
    assert messages[0] == messages[1] and INCONSISTENT["axe-partenaire"][1] in messages[0]


@pytest.mark.slow
def test_a_wrong_object_of_a_typing_only_link_in_another_module_is_refused_with_its_cause():
    """``x p y`` only types y (it ties nothing): y's type goes to y's module, and so does the cause."""
    store = store_of(VALID)
    axioms = source.schema(store)
    plan, rules = modules.Plan(axioms), reasoning.Rules(axioms)
    part = Partition(store, axioms, modules=2)
    typed = {}
    for t in source.asserted(store):
        if t.predicate == to_ox(RDF.type) and isinstance(t.subject, ox.NamedNode) and t.subject in part.ids:
            typed.setdefault(t.subject, set()).add(URIRef(t.object.value))
    found = None
    for p in sorted(set(axioms.subjects(RDF.type, OWL.ObjectProperty))):
        reduced = plan.reduction(p, data=False)
        for r in sorted(reduced[1] if reduced else ()):
            for y, kinds in sorted(typed.items(), key=lambda kv: kv[0].value):
                if isinstance(r, URIRef) and any(rules.disjoint_with(k, r) for k in kinds):
                    x = next(n for n in typed if part.module[part.ids[n]] not in (ALL, part.module[part.ids[y]]))
                    found = (x, p, y)
                    break
            if found:
                break
        if found:
            break
    assert found, "une propriété qui ne fait que typer, et un objet d'une classe disjointe de sa portée"
    x, p, y = found
    store.add(ox.Quad(x, to_ox(p), y, ox.NamedNode(str(dataset.GRAPH_ANNEXE))))
    with pytest.raises(ReasoningFailed) as failure:
        reasoning.check(store, modules=2)
    name = lambda n: readable(getattr(n, "value", str(n)))  # noqa: E731
    assert f"{name(y)} est à la fois" in str(failure.value), str(failure.value)
    assert f"objet de {name(x)} {name(p)}" in str(failure.value), str(failure.value)


@pytest.mark.slow
def test_an_ill_typed_value_of_a_property_that_only_types_is_still_refused():
    """oa:end says nothing HermiT needs, but an ill-typed value makes the data inconsistent."""
    store = store_of(VALID)
    oa = "http://www.w3.org/ns/oa#"
    selector = next(q.subject for q in store.quads_for_pattern(None, ox.NamedNode(oa + "start"), None, None))
    wrong = ox.Literal("abc", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store.add(ox.Quad(selector, ox.NamedNode(oa + "end"), wrong, ox.NamedNode(str(dataset.GRAPH_ANNEXE))))
    for count in (2, 1):
        with pytest.raises(ReasoningFailed, match=r"valeur mal formée pour son type : « abc » \(xsd:integer\)"):
            reasoning.check(store, modules=count)


def test_choosing_the_shared_resources_ends_when_a_vocabulary_term_cannot_be_shared():
    """t2 is pulled in beside t1 (skos:broader may not cross a module's edge), then pushed out
    (its cdv:contrat may not either): t1 goes out too, and the choice stops."""
    store = store_of(dataset.ontology_files())
    skos = "http://www.w3.org/2004/02/skos/core#"
    t1, t2, d = (ox.NamedNode(EX + n) for n in ("t1", "t2", "d"))
    ontology, data = (ox.NamedNode(str(g)) for g in (dataset.GRAPH_ONTOLOGIE, dataset.GRAPH_ANNEXE))
    store.add(ox.Quad(t2, ox.NamedNode(skos + "broader"), t1, ontology))
    store.add(ox.Quad(t2, to_ox(CDV.contrat), d, data))
    for i in range(partition.SHARED_DEGREE):
        store.add(ox.Quad(ox.NamedNode(f"{EX}o{i}"), to_ox(CDV.unite), t1, data))
    part = Partition(store, source.schema(store), modules=2)
    assert part.refusal is None
    ids = [part.ids[n] for n in (t1, t2, d)]
    assert not set(ids) & part.shared
    assert len({part.module[i] for i in ids}) == 1, "tied together, in one module"


@pytest.mark.slow
def test_the_empty_property_in_the_data_is_a_contradiction_still_seen():
    """owl:bottomObjectProperty is declared nowhere, yet ``x owl:bottomObjectProperty y`` is false."""
    store = store_of(VALID)
    a, b = (to_ox(node(n)) for n in ("partenaire:urps", "objectif:champigny-sante-1"))
    store.add(ox.Quad(a, to_ox(OWL.bottomObjectProperty), b, ox.NamedNode(str(dataset.GRAPH_ANNEXE))))
    part = Partition(store, source.schema(store), modules=2)
    assert part.count == 1 and "owl:bottomObjectProperty" in part.refusal
    with pytest.raises(ReasoningFailed, match="incohérentes"):
        reasoning.check(store)
