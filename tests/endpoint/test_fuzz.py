"""A fuzz corpus of mutated queries against the live server: not one answer may be a 500.

The corpus is generated, deterministically (a fixed seed), from every named query
(``queries/*.rq``, parameters at their defaults) and every query of the harder set
(``tests/endpoint/queries``): each mutant applies one to three grammar-aware mutations on the
query's tokens — delete, duplicate, swap, truncate, replace by or insert a fragment of SPARQL
(``fuzz/fragments.txt``: keywords, punctuation, odd literals, unknown functions, casts out of
range, paths, whole patterns). Every mutant is sent to ``/sparql`` as a real client would, with
a short time limit so that the costly ones end as 503 rather than hold the run. Whatever the
answer — 200, 400, 406, 503 — it must not be a 500: a 500 means the engine or the server broke.
"""

from __future__ import annotations

import collections
import concurrent.futures
import random
from pathlib import Path

from graphe import guard
from graphe.project import current
from graphe.queries import NamedQuery

HERE = Path(__file__).parent
SEED = 10
SIZE = 5000
CLIENTS = 4
TIME_LIMIT = "0.3"  # seconds per query: mutants that multiply the data end as 503


def fragments() -> dict[str, list[str]]:
    """The sections of fuzz/fragments.txt: mots, termes, expressions, motifs."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in (HERE / "fuzz" / "fragments.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif line.strip() and not line.startswith("#") and current is not None:
            current.append(line)
    return sections


def bases() -> list[str]:
    named = [NamedQuery.from_file(p).bind({}) for p in sorted(current().queries.glob("*.rq"))]
    harder = [p.read_text(encoding="utf-8") for p in sorted((HERE / "queries").glob("*.rq"))]
    return named + harder


_TERMS = ("var", "iri", "string")


def mutate(text: str, rng: random.Random, pieces: dict[str, list[str]]) -> str:
    """One mutation: half of them keep to the grammar (a term for a term, a pattern where a
    pattern may go), so that the engine sees them; the others break it anywhere."""
    toks = list(guard.tokens(text))
    if not toks:
        return rng.choice(pieces["motifs"])
    tok = rng.choice(toks)
    op = rng.randrange(10)
    if op == 0:  # a term for a term
        terms = [t for t in toks if t.kind in _TERMS or (t.kind == "word" and (":" in t.text or t.text[0].isdigit()))]
        if terms:
            tok = rng.choice(terms)
            return text[: tok.start] + rng.choice(pieces["termes"]) + text[tok.end :]
    if op in (1, 2):  # a pattern, a FILTER or a BIND after a { or a .
        spots = [t for t in toks if t.text in ("{", ".")]
        if spots:
            spot = rng.choice(spots)
            expr = rng.choice(pieces["expressions"] + pieces["termes"])
            what = rng.choice([rng.choice(pieces["motifs"]), f"FILTER({expr})", f"BIND({expr} AS ?fz{op})"])
            return text[: spot.end] + " " + what + " " + text[spot.end :]
    if op == 3:  # an expression in place of a term of a FILTER, BIND or projection
        return text[: tok.start] + rng.choice(pieces["expressions"]) + text[tok.end :]
    if op == 4:  # delete a token
        return text[: tok.start] + text[tok.end :]
    if op == 5:  # duplicate it
        return text[: tok.end] + " " + tok.text + text[tok.end :]
    if op == 6:  # swap two tokens
        a, b = sorted((tok, rng.choice(toks)), key=lambda t: t.start)
        if a.end <= b.start:
            return text[: a.start] + b.text + text[a.end : b.start] + a.text + text[b.end :]
        return text
    if op == 7:  # any fragment anywhere
        return text[: tok.end] + " " + rng.choice(pieces["mots"] + pieces["termes"]) + " " + text[tok.end :]
    if op == 8:  # truncate
        return text[: tok.start]
    return text[: tok.start] + str(rng.choice([0, -1, 1, 2**31, 2**63, 10**30])) + text[tok.end :]


def corpus(size: int = SIZE, seed: int = SEED) -> list[str]:
    """``size`` distinct mutants, always the same for the same seed."""
    rng = random.Random(seed)
    sources, pieces = bases(), fragments()
    found: dict[str, None] = {}
    while len(found) < size:
        text = rng.choice(sources)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            text = mutate(text, rng, pieces)
        found.setdefault(text, None)
    return list(found)


def test_the_corpus_is_deterministic_and_large_enough():
    first = corpus(200)
    assert first == corpus(200) and len(set(first)) == 200
    assert len(corpus()) >= 5000


def test_no_mutant_gets_a_500(live):
    texts = corpus()

    def send(batch: list[str]) -> list[tuple[int, str]]:
        out = []
        with live.client() as client:
            for text in batch:
                response = client.post("/sparql", data={"query": text, "timeout": TIME_LIMIT})
                out.append((response.status_code, text if response.status_code >= 500 else ""))
        return out

    batches = [texts[i::CLIENTS] for i in range(CLIENTS)]
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        answers = [a for part in pool.map(send, batches) for a in part]
    statuses = collections.Counter(status for status, _ in answers)
    broken = [text for status, text in answers if status not in (200, 400, 406, 413, 503)]
    assert len(answers) == len(texts)
    assert not broken, f"{len(broken)} réponses hors contrat ({dict(statuses)}), par exemple :\n" + "\n---\n".join(broken[:5])
    assert statuses[200] > len(texts) // 10 and statuses[400] > len(texts) // 10, statuses  # both exercised
    with live.client() as client:
        assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200
