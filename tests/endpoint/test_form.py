"""graphe.api.form decodes form bodies exactly as urllib.parse.parse_qsl does."""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from graphe.api.form import parse_form
from graphe.project import current

ALPHABET = list("azAZ09 +&=%\\x\"'#\n") + ["%2", "%4", "%zz", "%41", "%C3", "%A9", "%E2%82", "%E2%82%AC", "%0A", "%5C", "%25", "é", "€", "\x00"]


def test_random_fields_decode_as_parse_qsl_does():
    rng = random.Random(10)
    for _ in range(5_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        assert parse_form(text) == parse_qsl(text, keep_blank_values=True), text


def test_every_query_form_encoded_decodes_as_parse_qsl_does():
    texts = [p.read_text(encoding="utf-8") for p in sorted(current().queries.glob("*.rq"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parent / "queries").glob("*.rq"))]
    for text in texts:
        body = urlencode({"query": text + "\n# n1-1", "format": "json", "default-graph-uri": "http://x/g"})
        assert parse_form(body) == parse_qsl(body, keep_blank_values=True)
