"""The catalogue of named queries: ``queries/*.rq``, one question per file (grlc-like).

A file starts with a header of ``#+ key: value`` comment lines::

    #+ summary: Les partenaires d'une commune
    #+ description: Chaque partenaire que l'annexe nomme dans le contrat de la commune.
    #+ tags: partenaires, communes
    #+ param: commune | iri | commune:94017 | Commune
    #+ column: nbCommunes | Nombre de communes

``column`` lines give a result variable its French heading (the pages show it instead of the
variable's name). ``param`` lines read ``name | type | default | label``, the type being ``iri``, ``string``,
``integer`` or ``date``. In the query the parameter is the variable ``?_name``. Its value is
never pasted into the text: it is validated by type, serialised as an RDF term (IRIs checked,
literals escaped), bound by a ``VALUES`` block placed first in the query's outermost
``WHERE`` group, so the whole group (its FILTERs included) sees it, and written in that group
as a constant in place of the variable when it is a text (see :meth:`NamedQuery._constants`). Hence the one rule for
authors: use ``?_name`` in the outermost group, not only inside a subquery. A parameter whose
default is empty is optional: left out, it stays unbound and the query answers for all values.

IRI values may be given in full or as a prefixed name of the project's prefix table
(``commune:94017``).

>>> q = NamedQuery.from_text("exemple", '''#+ summary: Libellé
... #+ param: nom | string | | Nom
... #+ param: n | integer | 3 | Nombre
... SELECT ?s WHERE { ?s ?p ?o FILTER(?o IN (?_nom, ?_n)) }''')
>>> print(q.bind({"nom": 'Le "PRE"'}))
#+ summary: Libellé
#+ param: nom | string | | Nom
#+ param: n | integer | 3 | Nombre
SELECT ?s WHERE { VALUES (?_nom ?_n) { ("Le \\"PRE\\"" 3) } ?s ?p ?o FILTER(?o IN ("Le \\"PRE\\"", ?_n)) }
>>> q.bind({"n": "trois"})
Traceback (most recent call last):
graphe.errors.BadRequest: paramètre « n » : un entier est attendu, pas 'trois'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from graphe.errors import BadRequest, DataError, NotFound
from graphe.guard import tokens
from graphe.namespaces import NAMESPACES, prefixes
from graphe.project import current

PARAM_TYPES = ("iri", "string", "integer", "date")
HEADER_KEYS = ("summary", "description", "tags", "param", "column")
#: Query-string names the endpoint keeps for itself (``/queries/{name}?format=csv``).
RESERVED = ("format", "timeout", "csv", "page")
XSD_DATE = NAMESPACES["xsd"] + "date"
_HEADER = re.compile(r"#\+\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Characters IRIREF excludes (SPARQL 1.1 grammar [139]) and a scheme, as RFC 3987 requires.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


@dataclass(frozen=True)
class Param:
    """One parameter of a named query: the query uses it as ``?_{name}``."""

    name: str
    type: str
    default: str | None
    label: str

    @property
    def variable(self) -> str:
        return f"?_{self.name}"

    def term(self, value: str) -> str:
        """The SPARQL term for ``value``, or BadRequest when it is not a valid ``type``.

        >>> Param("c", "iri", None, "").term("commune:94017")
        '<https://w3id.org/contrats-de-ville/id/commune/94017>'
        >>> Param("d", "date", None, "").term("2015-06-30")
        '"2015-06-30"^^<http://www.w3.org/2001/XMLSchema#date>'
        """
        value = value.strip() if self.type != "string" else value
        if self.type == "integer":
            if not _INTEGER.fullmatch(value):
                raise BadRequest(f"paramètre « {self.name} » : un entier est attendu, pas {value!r}.")
            return str(int(value))
        if self.type == "date":
            try:
                return f'"{date.fromisoformat(value).isoformat()}"^^<{XSD_DATE}>'
            except ValueError:
                raise BadRequest(
                    f"paramètre « {self.name} » : une date AAAA-MM-JJ est attendue, pas {value!r}."
                ) from None
        if self.type == "iri":
            return f"<{expand_iri(value, self.name)}>"
        return string_literal(value)


def expand_iri(value: str, name: str = "iri") -> str:
    """An absolute IRI from a full IRI (with or without ``<>``) or a project prefixed name."""
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    prefix, sep, local = value.partition(":")
    table = prefixes()
    if sep and prefix in table and not local.startswith("//"):
        value = table[prefix] + local
    if not _IRI.fullmatch(value):
        raise BadRequest(f"paramètre « {name} » : IRI invalide {value!r}.")
    return value


def string_literal(value: str) -> str:
    """A SPARQL string literal for any text (ECHAR escapes for the characters that need them).

    >>> print(string_literal('a "b"\\n\\\\'))
    "a \\"b\\"\\n\\\\"
    """
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("\b", "\\b")
        .replace("\f", "\\f")
    )
    return f'"{escaped}"'


@dataclass(frozen=True)
class NamedQuery:
    """A query of ``queries/``, its header read, ready to be bound and run."""

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    columns: tuple[tuple[str, str], ...] = ()  # (variable, French heading)
    where: int = field(default=-1, repr=False)  # offset just after the outermost WHERE's "{"
    where_end: int = field(default=-1, repr=False)  # offset of its closing "}"
    subselect: bool = field(default=False, repr=False)  # the WHERE group is a bare subquery

    @classmethod
    def from_file(cls, path: Path) -> NamedQuery:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: {exc}") from None
        try:
            return cls.from_text(path.stem, text)
        except DataError as exc:
            raise DataError(f"{path}: {exc}") from None

    @classmethod
    def from_text(cls, name: str, text: str) -> NamedQuery:
        """Read the header of ``text``; DataError naming the line when it is malformed."""
        fields: dict[str, list[str]] = {k: [] for k in HEADER_KEYS}
        params: list[Param] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.startswith("#+"):
                continue
            m = _HEADER.match(line)
            if not m or m.group(1) not in HEADER_KEYS:
                raise DataError(
                    f"ligne {number}: en-tête illisible {line!r} "
                    f"(attendu « #+ clé: valeur », clés {', '.join(HEADER_KEYS)})"
                )
            key, value = m.groups()
            if key == "param":
                params.append(_param(value, number))
            else:
                fields[key].append(value)
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise DataError(f"paramètre déclaré deux fois : {names}")
        where, where_end, subselect = _where_group(text) if params else (-1, -1, False)
        used = {t.text[2:] for t in tokens(text) if t.kind == "var" and t.text[1] == "_"}
        for p in params:
            if p.name not in used:
                raise DataError(f"le paramètre « {p.name} » n'apparaît pas dans la requête ({p.variable})")
            if p.default:
                try:  # a bad default is a bug of the file, found at load time
                    p.term(p.default)
                except BadRequest as exc:
                    raise DataError(f"valeur par défaut invalide : {exc}") from None
        return cls(
            name=name,
            summary=" ".join(fields["summary"]),
            description=" ".join(fields["description"]),
            tags=tuple(t.strip() for v in fields["tags"] for t in v.split(",") if t.strip()),
            params=tuple(params),
            text=text,
            columns=tuple(_column(v) for v in fields["column"]),
            where=where,
            where_end=where_end,
            subselect=subselect,
        )

    def bind(self, values: dict[str, str]) -> str:
        """The query text with ``values`` bound (defaults for the others), safely.

        Raises BadRequest (French message) for an unknown parameter or an ill-typed value.
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            expected = ", ".join(known) or "aucun"
            raise BadRequest(
                f"paramètre inconnu pour « {self.name} » : {', '.join(unknown)} "
                f"(paramètres attendus : {expected})."
            )
        chosen = []
        for p in self.params:
            raw = values.get(p.name)
            if raw is None or raw == "":
                raw = p.default
            if raw:
                chosen.append((p.variable, p.term(raw)))
        if not chosen:
            return self.text
        block = (
            f"VALUES ({' '.join(v for v, _ in chosen)}) {{ ({' '.join(t for _, t in chosen)}) }}"
        )
        strings = {p.variable for p in self.params if p.type == "string"}
        group = self._constants({v: t for v, t in chosen if v in strings})
        if self.subselect:  # "{ SELECT … }" admits nothing beside the subquery: nest it
            return f"{self.text[: self.where]} {block} {{{group}}}{self.text[self.where_end :]}"
        return f"{self.text[: self.where]} {block}{group}{self.text[self.where_end :]}"

    def _constants(self, terms: dict[str, str]) -> str:
        """The WHERE group with the variables of ``terms`` replaced by their (serialised,
        escaped) terms, outside subqueries, whose variables are their own.

        Only text parameters are written so: a text is compared in a FILTER, and a VALUES row
        that no triple pattern shares is joined last, after the whole group — Oxigraph cannot
        push ``FILTER(CONTAINS(?l, ?_texte))`` below that join, so at 1,200 communes the search
        read every label with its classes (10 s); with the constant the filter comes first
        (0.7 s). An IRI parameter stays a variable: it is a join key, and the VALUES row is
        where Oxigraph starts its nested loops (a constant there made one query 1,000× slower).
        The block stays, for a parameter read outside the group (a CONSTRUCT template).
        """
        out, last, stack = [], self.where, []
        toks = [t for t in tokens(self.text) if self.where <= t.start < self.where_end]
        for i, tok in enumerate(toks):
            if tok.kind == "punct" and tok.text == "{":
                stack.append(i + 1 < len(toks) and toks[i + 1].keyword == "SELECT")
            elif tok.kind == "punct" and tok.text == "}" and stack:
                stack.pop()
            elif (tok.kind == "var" and f"?{tok.text[1:]}" in terms and not any(stack)
                  and not (i > 1 and toks[i - 2].keyword == "BOUND")):  # BOUND() takes a variable
                out += [self.text[last : tok.start], terms[f"?{tok.text[1:]}"]]
                last = tok.end
        out.append(self.text[last : self.where_end])
        return "".join(out)

    def as_dict(self) -> dict:
        """The header as JSON-ready data (for ``/queries``)."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "params": [
                {"name": p.name, "type": p.type, "default": p.default, "label": p.label}
                for p in self.params
            ],
            "columns": dict(self.columns),
        }


def _column(value: str) -> tuple[str, str]:
    name, sep, heading = (part.strip() for part in value.partition("|"))
    if not sep or not _NAME.fullmatch(name.lstrip("?")) or not heading:
        raise DataError(f"« #+ column: variable | intitulé » attendu, pas {value!r}")
    return name.lstrip("?"), heading


def _param(value: str, number: int) -> Param:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) != 4:
        raise DataError(f"ligne {number}: « #+ param: nom | type | défaut | libellé » attendu, pas {value!r}")
    name, type_, default, label = parts
    if not _NAME.fullmatch(name):
        raise DataError(f"ligne {number}: nom de paramètre invalide {name!r} (lettres, chiffres, _)")
    if name in RESERVED:
        raise DataError(f"ligne {number}: « {name} » est réservé par le service (noms réservés : {', '.join(RESERVED)})")
    if type_ not in PARAM_TYPES:
        raise DataError(f"ligne {number}: type {type_!r} inconnu (types : {', '.join(PARAM_TYPES)})")
    return Param(name=name, type=type_, default=default or None, label=label or name)


def _where_group(text: str) -> tuple[int, int, bool]:
    """Where to bind: just inside the outermost WHERE group (offset after "{", offset of "}").

    The group is the first top-level ``{`` after the keyword WHERE; for SELECT / ASK /
    DESCRIBE, where WHERE is optional, the first top-level ``{``. A CONSTRUCT's template is
    skipped.
    """
    toks = list(tokens(text))
    form = next((t.keyword for t in toks if t.keyword in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")), "")
    depth, start = 0, None
    for i, tok in enumerate(toks):
        if tok.kind != "punct" or tok.text not in "{}":
            continue
        if tok.text == "{":
            if depth == 0 and start is None:
                after_where = i > 0 and toks[i - 1].keyword == "WHERE"
                if after_where or form != "CONSTRUCT":
                    if form == "CONSTRUCT" and i > 1 and toks[i - 2].keyword == "CONSTRUCT":
                        raise DataError("paramètres impossibles dans « CONSTRUCT WHERE { … } » (forme courte)")
                    start = i
            depth += 1
        else:
            depth -= 1
            if depth == 0 and start is not None:
                subselect = start + 1 < len(toks) and toks[start + 1].keyword == "SELECT"
                return toks[start].end, tok.start, subselect
    raise DataError("requête sans groupe WHERE { … } où lier les paramètres")


def catalogue(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query of ``queries/*.rq`` (not ``checks/``), sorted by name."""
    base = directory if directory is not None else current().queries
    return [NamedQuery.from_file(p) for p in sorted(base.glob("*.rq"))]


def get(name: str, directory: Path | None = None) -> NamedQuery:
    """The named query ``name`` (a file stem), or NotFound."""
    if not _NAME.fullmatch(name.replace("-", "_")):
        raise NotFound(f"requête nommée inconnue : {name!r}.")
    base = directory if directory is not None else current().queries
    path = base / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(q.name for q in catalogue(base)) or "aucune"
        raise NotFound(f"requête nommée inconnue : {name!r} (requêtes : {known}).")
    return NamedQuery.from_file(path)
