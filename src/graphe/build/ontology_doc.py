"""The ontology's documentation page, written into ``dist/ontologie.html`` at build time.

``https://w3id.org/contrats-de-ville/ontologie`` answers a browser with this page, so every
class and property IRI of the data (``…/ontologie#Commune``) lands on its own section. It is
generated from the published files, never written by hand: the ontology graph (classes,
properties, domains, ranges, labels per language, definitions), the SHACL shapes (what the data
must say about each class) and the data itself (one real example per class). People read
labels and full IRIs only: prefixed names in definitions and shape messages become links to
the term they name, and literal values are shown without their datatype.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment
from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

from graphe.namespaces import CDV, GRAPH_ONTOLOGIE, ID_BASE, PUBLIC_BASE, local_href, prefixes

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
ONTOLOGY = URIRef(str(CDV).rstrip("#"))
GENID = ID_BASE + ".well-known/genid/"

#: French labels of the external terms and datatypes the page shows (data, not code).
VOCABULARY = TEMPLATES / "ontologie-libelles.ttl"
LANGUAGE_TAG = re.compile(r"\s*\(@[a-z]{2}\)|@[a-z]{2}\b")


def anonymous(node) -> bool:
    """A blank node, or the skolem IRI it became in the release."""
    return isinstance(node, BNode) or str(node).startswith(GENID)


KINDS = {
    OWL.ObjectProperty: "relation",
    OWL.DatatypeProperty: "attribut",
    OWL.AnnotationProperty: "annotation",
}
CHARACTERISTICS = {
    OWL.FunctionalProperty: "fonctionnelle (une valeur au plus)",
    OWL.InverseFunctionalProperty: "fonctionnelle inverse",
    OWL.TransitiveProperty: "transitive",
    OWL.SymmetricProperty: "symétrique",
}


@dataclass
class Term:
    """A class or property of the ontology, as the page shows it."""

    iri: str
    anchor: str
    labels: dict[str, str]
    definitions: dict[str, str]
    kind: str = ""
    supers: list[Markup] = field(default_factory=list)
    subs: list[Markup] = field(default_factory=list)
    domains: list[Markup] = field(default_factory=list)
    ranges: list[Markup] = field(default_factory=list)
    inverse: list[Markup] = field(default_factory=list)
    traits: list[str] = field(default_factory=list)
    outgoing: list[Markup] = field(default_factory=list)  # properties whose domain is this class
    incoming: list[Markup] = field(default_factory=list)  # properties whose range is this class
    example: dict | None = None
    shapes: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.labels.get("fr") or self.labels.get("en") or self.anchor


class Doc:
    """Everything the page says, read from the ontology, shapes and data graphs."""

    def __init__(self, ontology: Graph, shapes: Graph, data: Graph, vocabulary: Graph | None = None):
        self.o, self.shapes, self.data = ontology, shapes, data
        self.vocabulary = vocabulary if vocabulary is not None else Graph().parse(VOCABULARY, format="turtle")
        self.table = prefixes()
        self.ours = {
            s for s in ontology.subjects(RDFS.isDefinedBy, ONTOLOGY) if isinstance(s, URIRef) and str(s).startswith(str(CDV))
        }

    # ----------------------------------------------------------------------- names and links

    def label(self, node) -> tuple[str, str | None] | None:
        """(text, language) of ``node``'s best label: French, else untagged, else any."""
        found = {}
        for graph in (self.o, self.vocabulary, self.data):
            for p in (RDFS.label, SKOS.prefLabel):
                for lit in graph.objects(node, p):
                    if isinstance(lit, Literal):
                        found.setdefault(lit.language, str(lit))
        for lang in ("fr", None, "en"):
            if lang in found:
                return found[lang], lang
        return next(((v, k) for k, v in found.items()), None)

    def link(self, node) -> Markup:
        """A link to ``node`` with its label: its section here, its ``/id/`` page, or the IRI."""
        if isinstance(node, Literal):
            return escape(str(node))
        if anonymous(node):
            return self.expression(node)
        iri = str(node)
        if str(node).startswith(str(XSD)) or node in (RDF.langString, RDFS.Literal):
            return escape(self.label(node)[0] if self.label(node) else iri)
        named = self.label(node)
        text, lang = named if named else (iri, None)
        if node in self.ours:
            href = "#" + self.anchor(node)
        elif iri.startswith(PUBLIC_BASE) and not iri.startswith(GENID):
            href = local_href(iri)
        else:
            href = iri
        attr = Markup(' lang="{}"').format(lang) if lang and lang != "fr" else ""
        return Markup('<a href="{}" title="{}"{}>{}</a>').format(href, iri, attr, text)

    def expression(self, node) -> Markup:
        """An anonymous OWL expression in words (unions as domains, restrictions, inverses).

        In the release they are skolem IRIs, not blank nodes: either way they are not shown.
        """
        members = self.o.value(node, OWL.unionOf)
        if members is not None:
            return Markup(" ou ").join(self.link(m) for m in Collection(self.o, members))
        members = self.o.value(node, OWL.intersectionOf)
        if members is not None:
            return Markup(" et ").join(self.link(m) for m in Collection(self.o, members))
        inverse = self.o.value(node, OWL.inverseOf)
        if inverse is not None:
            return Markup("l'inverse de ") + self.link(inverse)
        prop = self.o.value(node, OWL.onProperty)
        if prop is not None:
            if self.o.value(node, OWL.hasSelf) is not None:
                return Markup("ce qui est lié à soi-même par ") + self.link(prop)
            for restriction, words in ((OWL.someValuesFrom, "au moins une valeur"), (OWL.allValuesFrom, "seulement des valeurs")):
                target = self.o.value(node, restriction)
                if target is not None:
                    return self.link(prop) + Markup(f" : {words} de type ") + self.link(target)
            return Markup("une restriction sur ") + self.link(prop)
        return Markup("une expression de classe")

    def anchor(self, node) -> str:
        return str(node)[len(str(CDV)):]

    def _links(self, text: str) -> Markup:
        """``text`` with its prefixed names (``cdv:commune``) turned into labelled links."""
        names = "|".join(sorted(map(re.escape, self.table), key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w/#:])({names}):([A-Za-z0-9_][\w\-.]*[\w])")
        out, last = [], 0
        for m in pattern.finditer(text):
            out.append(escape(text[last:m.start()]))
            out.append(self.link(URIRef(self.table[m.group(1)] + m.group(2))))
            last = m.end()
        out.append(escape(text[last:]))
        return Markup("").join(out)

    def words(self, text: str) -> Markup:
        """``text`` for people: prefixed names become labelled links, language tags go."""
        names = "|".join(sorted(map(re.escape, self.table), key=len, reverse=True))
        text = re.sub(rf"(?<![\w/#:])({names}):(\{{[^}}]+\}})", lambda m: self.table[m.group(1)] + m.group(2), text)
        return self._links(LANGUAGE_TAG.sub("", text))

    def texts(self, node, prop) -> dict[str, str]:
        return {lit.language or "": str(lit) for lit in self.o.objects(node, prop) if isinstance(lit, Literal)}

    def sort_key(self, node) -> tuple[str, str]:
        """Alphabetical by label, accents aside; the IRI breaks ties (the page is byte-stable)."""
        named = self.label(node)
        text = named[0] if named else str(node)
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold(), str(node)

    # ----------------------------------------------------------------------- terms

    def term(self, node, kind: str = "") -> Term:
        return Term(
            iri=str(node),
            anchor=self.anchor(node),
            labels=self.texts(node, RDFS.label),
            definitions={k: self.words(v) for k, v in self.texts(node, SKOS.definition).items()},
            kind=kind,
        )

    def classes(self) -> list[Term]:
        out = []
        for c in sorted((c for c in self.ours if (c, RDF.type, OWL.Class) in self.o), key=self.sort_key):
            t = self.term(c)
            t.supers = [self.link(s) for s in sorted(self.o.objects(c, RDFS.subClassOf), key=self.sort_key)]
            t.subs = [self.link(s) for s in sorted(self.o.subjects(RDFS.subClassOf, c), key=self.sort_key)]
            t.outgoing = [self.link(p) for p in self.properties_about(c, RDFS.domain)]
            t.incoming = [self.link(p) for p in self.properties_about(c, RDFS.range)]
            t.example = self.example(c)
            t.shapes = self.shapes_for(c)
            out.append(t)
        return out

    def properties(self) -> list[Term]:
        out = []
        for p in sorted((p for p in self.ours if any((p, RDF.type, k) in self.o for k in KINDS)), key=self.sort_key):
            kind = next(KINDS[k] for k in KINDS if (p, RDF.type, k) in self.o)
            t = self.term(p, kind)
            t.supers = [self.link(s) for s in sorted(self.o.objects(p, RDFS.subPropertyOf), key=self.sort_key)]
            t.domains = [self.link(d) for d in sorted(self.o.objects(p, RDFS.domain), key=self.sort_key)]
            t.ranges = [self.link(r) for r in sorted(self.o.objects(p, RDFS.range), key=self.sort_key)]
            inverses = {i for i in set(self.o.objects(p, OWL.inverseOf)) | set(self.o.subjects(OWL.inverseOf, p)) if not anonymous(i)}
            t.inverse = [self.link(i) for i in sorted(inverses, key=self.sort_key)]
            t.traits = [text for k, text in CHARACTERISTICS.items() if (p, RDF.type, k) in self.o]
            out.append(t)
        return out

    def properties_about(self, cls, axis) -> list:
        """Our properties whose domain (or range) is ``cls``, directly or in a union."""
        found = set()
        for p, value in self.o.subject_objects(axis):
            if p not in self.ours:
                continue
            if value == cls:
                found.add(p)
            elif anonymous(value) and (union := self.o.value(value, OWL.unionOf)) is not None:
                if cls in Collection(self.o, union):
                    found.add(p)
        return sorted(found, key=self.sort_key)

    def superclasses(self, cls) -> set:
        seen, todo = set(), [cls]
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.o.objects(c, RDFS.subClassOf))
        return seen

    # ----------------------------------------------------------------------- data and shapes

    def example(self, cls) -> dict | None:
        """The first instance of ``cls`` in the data (by IRI), with a few of its values."""
        members = sorted(
            str(s) for s in self.data.subjects(RDF.type, cls) if isinstance(s, URIRef) and not str(s).startswith(GENID)
        )
        if not members:
            return None
        node = URIRef(members[0])
        rows = []
        for p in sorted({p for p in self.data.predicates(node) if not anonymous(p)} - {RDF.type}, key=self.sort_key):
            values = sorted(self.data.objects(node, p), key=str)
            shown = [v for v in values if not str(v).startswith(GENID)]
            if not shown:
                continue
            rows.append({"property": self.link(p), "value": self.value(shown[0]), "more": len(shown) - 1})
        return {"link": self.link(node), "iri": str(node), "rows": rows[:8]}

    def value(self, node) -> Markup:
        if isinstance(node, Literal):
            text = str(node)
            short = text if len(text) <= 240 else text[:239] + "…"
            shown = self.words(short)
            return Markup('<span lang="{}">{}</span>').format(node.language, shown) if node.language else shown
        return self.link(node)

    def shapes_for(self, cls) -> list[dict]:
        """The node shapes whose target class is ``cls`` or one of its superclasses."""
        targets = self.superclasses(cls)
        found = sorted({s for t in targets for s in self.shapes.subjects(SH.targetClass, t)}, key=str)
        return [self.shape(s, own=(s, SH.targetClass, cls) in self.shapes) for s in found]

    def shape(self, node, own: bool = True) -> dict:
        """A node shape's rows; shown in full at its own class, linked from the subclasses."""
        rows = []
        props = sorted(self.shapes.objects(node, SH.property), key=self.sort_key)
        for ps in props:
            rows.append({
                "name": self.shape_text(ps, SH.name) or "",
                "path": self.path(self.shapes.value(ps, SH.path)),
                "count": self.cardinality(ps),
                "kinds": self.value_kind(ps),
                "message": self.words(self.shape_text(ps, SH.message) or ""),
            })
        target = self.shapes.value(node, SH.targetClass)
        return {"anchor": "forme-" + str(node).rsplit("#", 1)[-1], "iri": str(node), "target": self.link(target), "rows": rows,
                "own": own, "message": self.words(self.shape_text(node, SH.message) or "")}

    def shape_text(self, node, prop) -> str | None:
        values = {lit.language: str(lit) for lit in self.shapes.objects(node, prop) if isinstance(lit, Literal)}
        return values.get("fr") or values.get(None)

    def path(self, node) -> Markup:
        if node is None:
            return Markup("")
        if isinstance(node, BNode):
            inverse = self.shapes.value(node, SH.inversePath)
            if inverse is not None:
                return Markup("inverse de ") + self.path(inverse)
            if self.shapes.value(node, RDF.first) is not None:
                return Markup(" puis ").join(self.path(p) for p in Collection(self.shapes, node))
            return Markup("chemin composé")
        return self.link(node)

    def cardinality(self, node) -> str:
        low = self.shapes.value(node, SH.minCount)
        high = self.shapes.value(node, SH.maxCount)
        low, high = (int(low) if low is not None else 0), (int(high) if high is not None else None)
        if high is None:
            return "facultatif" if low == 0 else f"au moins {low}"
        if low == high:
            return f"exactement {low}"
        return f"au plus {high}" if low == 0 else f"de {low} à {high}"

    def value_kind(self, node) -> Markup:
        parts = []
        for dt in sorted(self.shapes.objects(node, SH.datatype), key=str):
            parts.append(self.link(dt))
        for cls in sorted(self.shapes.objects(node, SH["class"]), key=str):
            parts.append(self.link(cls))
        for value in sorted(self.shapes.objects(node, SH.hasValue), key=str):
            parts.append(Markup("la valeur ") + self.value(value))
        for alt in self.shapes.objects(node, SH["or"]):
            options = [self.value_kind(a) for a in Collection(self.shapes, alt)]
            parts.append(Markup(" ou ").join(o for o in options if o))
        for q in self.shapes.objects(node, SH.qualifiedValueShape):
            parts.append(self.value_kind(q))
        return Markup(", ").join(parts)

    # ----------------------------------------------------------------------- the page

    def context(self) -> dict:
        o = ONTOLOGY
        schemes = sorted(self.o.subjects(RDF.type, SKOS.ConceptScheme), key=self.sort_key)
        return {
            "iri": str(o),
            "titles": self.texts(o, DCTERMS.title),
            "descriptions": {k: self.words(v) for k, v in self.texts(o, DCTERMS.description).items()},
            "version": str(self.o.value(o, OWL.versionInfo) or ""),
            "modified": str(self.o.value(o, DCTERMS.modified) or ""),
            "licence": self.link(self.o.value(o, DCTERMS.license)) if self.o.value(o, DCTERMS.license) else "",
            "classes": self.classes(),
            "properties": self.properties(),
            "schemes": [
                {"link": self.link(s), "concepts": len(set(self.o.subjects(SKOS.inScheme, s)))} for s in schemes
            ],
        }


def environment() -> Environment:
    """The pages' own environment, so the documentation wears the site's layout (``base.html``)."""
    from graphe.web.templating import templates

    return templates().env


def render(ds, shapes: Graph) -> str:
    """The page for the ontology graph of ``ds``, its ``shapes`` and its data (all graphs).

    ``ds``: an rdflib Dataset, or the build's Oxigraph store (read through a view, not copied)."""
    if hasattr(ds, "quads_for_pattern"):
        from graphe.build import oxstore
        from graphe.build.oxview import StoreView

        ontology, data = oxstore.rdflib_graph(ds, [GRAPH_ONTOLOGIE]), StoreView(ds)
    else:
        ontology, data = ds.graph(GRAPH_ONTOLOGIE), Graph()
        for g in ds.graphs():
            data += g
    return environment().get_template("ontologie.html").render(**Doc(ontology, shapes, data).context())
