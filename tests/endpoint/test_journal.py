"""The query log written in batches (graphe.journal): nothing lost, one write for many lines."""

from __future__ import annotations

import io
import logging

from graphe.journal import BatchHandler


class Stream(io.StringIO):
    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("graphe.query", level, __file__, 1, message, None, None)


def test_lines_are_written_together_at_capacity_at_a_warning_and_at_close():
    stream = Stream()
    handler = BatchHandler(stream, every=3600, capacity=3)
    for n in (1, 2):
        handler.handle(record(f"ligne {n}"))
    assert stream.getvalue() == ""  # kept: no system call per line
    handler.handle(record("ligne 3"))
    assert stream.getvalue() == "ligne 1\nligne 2\nligne 3\n" and stream.writes == 1
    handler.handle(record("ligne 4"))
    handler.handle(record("attention", logging.WARNING))  # a warning is not kept waiting
    assert stream.getvalue().endswith("ligne 4\nattention\n") and stream.writes == 2
    handler.handle(record("ligne 5"))
    handler.close()  # logging.shutdown, or uvicorn's stop (graphe.server)
    assert stream.getvalue().endswith("attention\nligne 5\n")


def test_the_thread_writes_waiting_lines_on_its_own():
    stream = Stream()
    handler = BatchHandler(stream, every=0.01)
    handler.handle(record("seule"))
    for _ in range(500):
        if stream.getvalue():
            break
        handler._stop.wait(0.01)
    handler.close()
    assert stream.getvalue() == "seule\n"


def test_graphe_serve_hands_query_lines_straight_to_the_batch(monkeypatch):
    """With graphe serve's logging, log_query skips the LogRecord; the line is the same."""
    from graphe.api.observe import log_query, query_log
    from graphe.journal import batch_of

    stream = Stream()
    handler = BatchHandler(stream, every=3600)
    monkeypatch.setattr(query_log, "handlers", [handler])
    monkeypatch.setattr(query_log, "propagate", False)
    monkeypatch.setattr(query_log, "level", logging.INFO)
    query_log.manager._clear_cache()  # isEnabledFor's cache, kept from earlier tests
    assert batch_of(query_log) is handler
    log_query(hash="abc", status=200)
    handler.flush()
    assert stream.getvalue() == '{"event": "query", "hash": "abc", "status": 200}\n'
    monkeypatch.setattr(query_log, "propagate", True)  # someone else listens (a test's caplog)
    assert batch_of(query_log) is None
    monkeypatch.undo()
    query_log.manager._clear_cache()



def test_the_query_line_is_what_json_would_write():
    """graphe.api.observe.json_line writes the line value by value: json.dumps's very text."""
    import json
    import random

    from graphe.api.observe import json_line

    values = [None, True, False, 0, 7, -5, 10**20, 0.0, 1.5, 0.31, 1e-7, 123456.789, float("nan"), float("inf"),
              "", "SELECT", 'a"b', "a\\b", "é\u2028x", "\x00\x1f\x7f", "ligne\nsuite", "délai dépassé (2 s)", [1, "a"]]
    rng = random.Random(10)
    for _ in range(3000):
        fields = {f"k{j}": rng.choice(values) for j in range(rng.randint(0, 8))}
        assert json_line(fields) == json.dumps({"event": "query", **fields}, ensure_ascii=False), fields


def test_an_answered_querys_line_is_what_json_would_write(monkeypatch):
    """graphe.api.observe.log_answer, the hot path's line: json.dumps's text for any values."""
    import json
    import random

    from graphe.api import observe

    lines = []
    monkeypatch.setattr(observe, "batch_of", lambda logger: type("B", (), {"add": staticmethod(lines.append)})())
    monkeypatch.setattr(observe.query_log, "level", logging.INFO)
    names = ["hash", "form", "format", "status", "rows", "truncated", "ms", "cache", "store"]
    values = [None, True, False, 0, 200, 10**20, 0.0, 0.31, 1e-7, float("nan"), "", "SELECT", 'a"b', "a\\b",
              "é\u2028x", "\x00\x1f", "https://magasin.exemple/sparql?x=\"1\"", [1, "a"]]
    rng = random.Random(11)
    for _ in range(3000):
        given = [rng.choice(values) for _ in names]
        observe.log_answer(*given)
        assert lines.pop() == json.dumps({"event": "query", **dict(zip(names, given))}, ensure_ascii=False), given
