"""docs/sources.md lists every dispositif of the scheme with its legal text and each of its sources.

The CLSPD and CLS entries carry the corrections of issue #7: the current wording of CSI art. L132-4
(5 000 inhabitants or a QPV) and CSP art. L1434-10 instead of the pre-2016 L1434-17. A source from
the trade press, a publisher or an association may stay only while the table says « à remplacer »,
so replacing it with an official text and updating the table go together.
"""

from __future__ import annotations

from rdflib import RDF, Graph
from rdflib.namespace import DCTERMS, SKOS

from graphe.namespaces import CDV
from graphe.project import current

SCHEME = Graph().parse(current().ontology / "dispositifs.ttl")
DOC = (current().root / "docs" / "sources.md").read_text(encoding="utf-8")


def test_every_dispositif_and_every_source_is_listed():
    dispositifs = sorted(SCHEME.subjects(RDF.type, CDV.Dispositif))
    assert len(dispositifs) > 25
    for d in dispositifs:
        assert f"`dispositif:{d.split('/')[-1]}`" in DOC, d
        for s in SCHEME.objects(d, DCTERMS.source):
            assert f"<{s}>" in DOC, (d, s)
        if (cit := SCHEME.value(d, DCTERMS.bibliographicCitation)) is not None:
            assert str(cit) in DOC, d


def test_the_corrected_legal_bases():
    by_notation = {str(SCHEME.value(d, SKOS.notation)): d for d in SCHEME.subjects(SKOS.notation, None)}
    definition = str(next(x for x in SCHEME.objects(by_notation["CLSPD"], SKOS.definition) if x.language == "fr"))
    assert "plus de 5 000 habitants" in definition and "10 000" not in definition
    sources = {str(s) for s in SCHEME.objects(by_notation["CLSPD"], DCTERMS.source)}
    assert sources == {"https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000025505008"}
    cls = str(SCHEME.value(by_notation["CLS"], DCTERMS.bibliographicCitation))
    assert cls.startswith("Code de la santé publique, article L1434-10")
    assert {str(s) for s in SCHEME.objects(by_notation["CLS"], DCTERMS.source)} == {
        "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000020897640"
    }


# Trade press, publishers, consultancies and associations the dispositifs used to cite (issue #7, point 6).
NOT_OFFICIAL = ("ash.tm.fr", "weka.fr", "lexbase.fr", "banquedesterritoires.fr", "prisme-asso.org",
                "couleursdavenir.fr", "ville-et-banlieue.org", "grandparisdurable.org",
                "acheteurs-publics.com", "villesetterritoireslr.fr", "democratiesanitaire.org")


def _rows():
    """The table of docs/sources.md, by dispositif: its « officielle ? » cell."""
    rows = {}
    for line in DOC.splitlines():
        if line.startswith("| ") and "(`dispositif:" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].split("(`dispositif:")[1].rstrip("`)")] = cells[-1]
    return rows


def test_a_non_official_source_is_always_marked_to_be_replaced():
    rows = _rows()
    for d in SCHEME.subjects(RDF.type, CDV.Dispositif):
        name = d.split("/")[-1]
        for s in map(str, SCHEME.objects(d, DCTERMS.source)):
            host = s.split("/")[2]
            if any(host == h or host.endswith("." + h) for h in NOT_OFFICIAL):
                assert "à remplacer" in rows[name] and s in rows[name], (name, s)
        for listed in rows[name].split("à remplacer :")[1].split(",") if "à remplacer :" in rows[name] else []:
            assert listed.strip() in {str(s) for s in SCHEME.objects(d, DCTERMS.source)}, (name, listed)
