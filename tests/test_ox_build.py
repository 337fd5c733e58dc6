"""The build's Oxigraph store (graphe.build.oxstore and the stages reading it) against the rdflib
path it replaced, on the real files: the same quads and Skolem names, the same bytes in every
dump, the same figures, the same French refusals.

The rdflib functions (dataset.load, skolem.skolemize, dumps.to_*, sources.anchor_problems,
stats.compute) stay the reference: ``graphe validate`` and the curators' commands still use them.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from graphe import dataset, search, sources, stats
from graphe.build import ox_provenance, ox_skolem, ox_stats, oxstore
from graphe.build.dumps import GRAPH_FILES, named_graphs, to_jsonld, to_nquads, to_trig
from graphe.build.ontology_doc import render
from graphe.build.oxview import StoreView
from graphe.build.skolem import skolemize
from graphe.draft.publication import refuse_drafts
from graphe.errors import DataError, ProvenanceError, ValidationFailed
from graphe.namespaces import GRAPH_DERIVEES, GRAPH_INFERENCES
from graphe.terms import from_ox
from graphe.validate import load_shapes

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ox_reference as ox_dumps  # noqa: E402 - tests/ox_reference.py, the writer the build's dumps are compared with

FILES = dataset.ontology_files() + dataset.data_files()
ASSERTED = {str(GRAPH_INFERENCES), str(GRAPH_DERIVEES)}


@pytest.fixture(scope="module")
def published(built_dist) -> Dataset:
    """The built dataset.nq in rdflib: what the rdflib writers would have been given."""
    ds = Dataset()
    ds.parse(built_dist / "dataset.nq", format="nquads")
    return ds


@pytest.fixture(scope="module")
def skolemized() -> ox.Store:
    return oxstore.load(FILES, named=True)  # as graphe build reads: blank nodes named file by file


def _nquads(store: ox.Store) -> str:
    return "".join(sorted({f"{line}\n" for line in ox.serialize(store, format=ox.RdfFormat.N_QUADS).decode().splitlines()}))


def _lines(text: str, leave_out=ASSERTED) -> list[str]:
    return [line for line in text.splitlines() if line.rsplit(" ", 2)[1][1:-1] not in leave_out]


# --------------------------------------------------------------------------- reading, Skolem names


def test_the_store_holds_rdflibs_quads_with_the_same_skolem_names(skolemized, built_dist):
    """Every file read by Oxigraph into its graph, then skolemised: the rdflib path's very N-Quads,
    and the asserted part of the published dump."""
    reference = to_nquads(skolemize(dataset.load(FILES)))
    assert _nquads(skolemized) == reference
    whole = oxstore.load(FILES)
    assert ox_skolem.skolemize(whole) > 1000
    assert _nquads(whole) == reference  # named all at once: the same names as file by file
    assert _lines((built_dist / "dataset.nq").read_text(encoding="utf-8")) == reference.splitlines()


def test_n3_writes_every_literal_as_rdflib_does():
    """The Skolem names hash rdflib's n3(): every literal of the real files, and the awkward ones."""
    literals = {o for f in FILES for _, _, o in dataset.parse_file(f) if isinstance(o, Literal)}
    literals |= {Literal(v) for v in ['a"""b\nc', 'fin"\nx', 'x\ny"', "tab\there", "cr\r\nlf", "back\\slash\n", 'q"q']}
    literals |= {Literal("deux\nlignes", lang="fr"), Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))}
    from graphe.terms import to_ox

    wrong = [lit for lit in literals if ox_skolem.n3(to_ox(lit)) != lit.n3()]
    assert len(literals) > 1000 and wrong == []


def test_skolem_names_do_not_depend_on_the_reading():
    text = """@prefix oa: <http://www.w3.org/ns/oa#> .
    <urn:a> <urn:p> [ oa:exact "x" ] , [ oa:exact "x" ] , [ oa:exact "y" ; oa:start 1 ] .
    <urn:b> <urn:p> [ oa:exact "x" ] ."""

    def dump():
        store = ox.Store()
        store.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:g"))
        assert ox_skolem.skolemize(store) == 4
        return ox.serialize(store, format=ox.RdfFormat.N_QUADS).decode()

    first = dump()
    assert sorted(first.splitlines()) == sorted(dump().splitlines()) and "_:" not in first
    assert len(set(re.findall(r"genid/([0-9a-f-]+)>", first))) == 4


def test_files_named_in_two_processes_give_the_same_store(skolemized, tmp_path):
    """Many files are read and named by two forked processes: the same quads, the same refusals."""
    assert _nquads(ox_skolem.read_named(FILES, jobs=2)) == _nquads(skolemized)
    broken = tmp_path / "casse.ttl"
    broken.write_text('<urn:a> <urn:p> "jamais fermé .\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"casse\.ttl: ligne 1 : Turtle invalide"):
        ox_skolem.read_named([*FILES, broken], jobs=2)
    with pytest.raises(DataError, match="fichier introuvable"):
        ox_skolem.read_named([*FILES, tmp_path / "absent.ttl"], jobs=2)


def test_the_same_blank_node_in_two_files_is_numbered_as_in_the_whole_dataset(tmp_path):
    """Two files stating the very same passage of the same resource: named file by file they
    would get one name (and merge); the collision is noticed and the names are the whole store's."""
    text = ("@prefix oa: <http://www.w3.org/ns/oa#> .\n"
            '<urn:a> <urn:p> [ oa:exact "x" ; oa:start 1 ] ; <urn:q> [ oa:exact "seul" ] .\n')
    files = []
    for name in ("a.ttl", "b.ttl"):
        path = tmp_path / name
        path.write_text(text.replace("seul", name), encoding="utf-8")
        files.append(path)
    store = oxstore.load(files, named=True)
    assert _nquads(store) == to_nquads(skolemize(dataset.load(files)))
    assert _nquads(ox_skolem.read_named(files, jobs=2)) == _nquads(store)
    assert len(set(re.findall(r"genid/([0-9a-f-]+)>", _nquads(store)))) == 4


def test_a_syntax_error_is_french_with_file_and_line(tmp_path):
    path = tmp_path / "casse.ttl"
    path.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<urn:a> rdfs:label "jamais fermé .\n',
                    encoding="utf-8")
    for named in (False, True):  # read plainly, or named as graphe build reads
        with pytest.raises(DataError, match=r"casse\.ttl: ligne 2 : Turtle invalide"):
            oxstore.load([*FILES[:3], path], named=named)


def test_what_only_oxigraph_refuses_is_still_named_in_french(tmp_path):
    """rdflib accepts a space inside an IRI, Oxigraph does not: the file and line, in French."""
    path = tmp_path / "iri.ttl"
    path.write_text("<urn:a> <urn:p> <urn:x> .\n<urn:a> <urn:p> <http://exemple.org/a b> .\n", encoding="utf-8")
    dataset.parse_file(path)  # rdflib's parser lets it through
    for named in (False, True):
        with pytest.raises(DataError, match=r"iri\.ttl: ligne 2 : Turtle refusé par Oxigraph"):
            oxstore.load([path], named=named)


def test_missing_file_is_a_french_data_error(tmp_path):
    with pytest.raises(DataError, match="fichier introuvable"):
        oxstore.load([tmp_path / "absent.ttl"])


# --------------------------------------------------------------------------- drafts and quotes


def test_a_draft_is_refused_from_the_store_as_from_rdflib(tmp_path):
    path = tmp_path / "brouillon.ttl"
    path.write_text(FILES[-1].read_text(encoding="utf-8") + "\n<https://w3id.org/contrats-de-ville/id/objectif/x> "
                    "<https://w3id.org/contrats-de-ville/ontologie#brouillon> true .\n", encoding="utf-8")
    files = [*FILES[:-1], path]
    with pytest.raises(ValidationFailed) as rdflib_says:
        refuse_drafts(dataset.load(files))
    with pytest.raises(ValidationFailed) as store_says:
        refuse_drafts(oxstore.load(files))
    assert str(store_says.value) == str(rdflib_says.value) and "objectif:x" in str(store_says.value)
    refuse_drafts(oxstore.load(FILES))  # the real data: nothing left in draft


def test_anchors_are_rdflibs():
    store = oxstore.load(FILES, named=True)
    ours = sorted((a.exact, a.start, a.end, a.source.value) for a in ox_provenance.anchors(store))
    theirs = sorted((a.exact, a.start, a.end, str(a.source)) for a in sources.provenance.anchors(dataset.union(dataset.load(FILES))))
    assert ours == theirs and len(ours) > 400
    assert ox_provenance.check(store, FILES) == len(ours)


def _shift_every_tenth_anchor(tmp_path):
    """Copies of the data files with every tenth ``oa:start N ; oa:end M`` moved by one character."""
    shifted, count = [], 0
    for f in FILES:
        if f.parent.name == "ontology":
            shifted.append(f)
            continue

        def move(m):
            nonlocal count
            count += 1
            if count % 10:
                return m.group(0)
            return f"oa:start {int(m.group(1)) + 1} ; oa:end {int(m.group(2)) + 1}"

        out = tmp_path / f.name
        out.write_text(re.sub(r"oa:start (\d+) ; oa:end (\d+)", move, f.read_text(encoding="utf-8")), encoding="utf-8")
        shifted.append(out)
    return shifted


def test_wrong_quotes_get_rdflibs_french_lines(tmp_path):
    """Dozens of shifted passages over the real files: the very lines of sources.anchor_problems
    (file, resource, what the document says, where the quote is)."""
    files = _shift_every_tenth_anchor(tmp_path)
    held, lines = ox_provenance.problems(oxstore.load(files, named=True), files)
    ref_held, ref_lines = sources.anchor_problems(dataset.union(dataset.load(files)), files)
    assert (held, lines) == (ref_held, ref_lines)
    assert len(lines) > 20 and all("le document dit" in line and ".ttl: " in line for line in lines)
    with pytest.raises(ProvenanceError, match=f"^{len(lines)} citation"):
        ox_provenance.check(oxstore.load(files), files)


def test_an_incomplete_passage_is_refused(tmp_path):
    path = tmp_path / "incomplet.ttl"
    path.write_text("@prefix oa: <http://www.w3.org/ns/oa#> .\n<urn:x> <urn:p> [ oa:hasSelector [ oa:exact \"PRE\" ] ] .\n",
                    encoding="utf-8")
    with pytest.raises(ProvenanceError, match="passage incomplet"):
        ox_provenance.anchors(oxstore.load([path]))


# --------------------------------------------------------------------------- outputs


def test_every_dump_has_the_bytes_of_the_rdflib_writers(built_dist, published):
    """dataset.jsonld and the TriG as rdflib's writers make them, each graph's Turtle as the
    in-memory Oxigraph writer made it, from the published quads."""
    assert (built_dist / "dataset.jsonld").read_text(encoding="utf-8") == to_jsonld(published)
    converted = ox_dumps.ox_graphs(published)
    turtles = {name: ox_dumps.turtle(converted.get(name, [])) for name in named_graphs(published)}
    for name, text in turtles.items():
        fname = GRAPH_FILES[name]
        assert (built_dist / fname).read_text(encoding="utf-8") == text, fname
    assert (built_dist / "dataset.trig").read_text(encoding="utf-8") == to_trig(published, turtles)


def test_figures_are_those_of_stats_compute(built_store):
    ours = ox_stats.compute(built_store)
    reference = stats.compute(stats.oxigraph_quads(built_store))
    u, r = ours.union, reference.union
    assert (u.triples, u.subjects, u.objects) == (r.triples, len(r.subjects), len(r.objects))
    assert u.properties == dict(r.properties) and u.classes == {c: len(m) for c, m in r.classes.items()}
    assert ours.instances() == reference.instances() and ours.triples_per_graph() == reference.triples_per_graph()
    for g, counts in ours.graphs.items():
        ref = reference.graphs[g]
        assert (counts.triples, counts.subjects, counts.objects) == (ref.triples, len(ref.subjects), len(ref.objects))
        assert counts.properties == dict(ref.properties) and counts.classes == {c: len(m) for c, m in ref.classes.items()}


def test_the_ontology_page_reads_the_store_as_the_merged_graph(built_store, published):
    shapes = load_shapes()
    assert render(built_store, shapes) == render(published, shapes)


def test_the_store_view_answers_as_an_rdflib_graph(built_store, published):
    """As the rdflib Graph of every named graph merged (what the ontology page was given)."""
    merged = Graph()
    for g in published.graphs():
        merged += g
    view = StoreView(built_store)
    for s in list(dict.fromkeys(merged.subjects()))[::97]:
        assert set(view.predicates(s)) == set(merged.predicates(s))
        for p in set(merged.predicates(s)):
            assert set(view.objects(s, p)) == set(merged.objects(s, p))
    for cls in set(merged.objects(None, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))):
        rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        assert set(view.subjects(rdf_type, cls)) == set(merged.subjects(rdf_type, cls))
    assert list(view.objects(Literal("x"), None)) == []


def test_the_search_index_from_the_store_holds_the_same_documents(built_dist, built_store, tmp_path):
    """Written from the build's store rather than from dataset.nq loaded again: the same
    documents; only the order of the names GROUP_CONCAT joins may differ."""

    def documents(path):
        rows = sqlite3.connect(path).execute("SELECT noms, texte, sorte, iri FROM documents").fetchall()
        return sorted((sorted(n.split()), sorted(t.split()), s, i) for n, t, s, i in rows)

    search.write_index(built_dist / "dataset.nq", tmp_path / "depuis-nq.sqlite")
    assert documents(built_dist / search.INDEX_FILE) == documents(tmp_path / "depuis-nq.sqlite")


def test_from_ox_makes_what_rdflibs_parser_makes():
    for term in (ox.Literal("x"), ox.Literal("x", language="fr"), ox.NamedNode("urn:a"),
                 ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))):
        assert from_ox(term).n3() == ox_skolem.n3(term)


def test_the_database_prepared_meanwhile_reports_a_failure_in_french(tmp_path):
    """The server's database is prepared in its own process while the other outputs are written:
    a dump it cannot read is a French error of the build, not a silent missing database."""
    from graphe.build.ox_base import Preparation
    from graphe.errors import GrapheError

    broken = tmp_path / "dataset.nq"
    broken.write_text("<urn:a> <urn:p> pas une IRI .\n", encoding="utf-8")
    with pytest.raises(GrapheError, match="base Oxigraph non préparée : .*N-Quads illisibles"):
        Preparation(tmp_path / "oxigraph", broken).wait()
    assert not (tmp_path / "oxigraph").exists()
