"""Metrics counted in plain numbers on the request's path (graphe.api.observe.Tally) read the
same as Prometheus's own counting: every bucket's bound, between bounds, past the last."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram

from graphe.api.observe import _BUCKETS, Metrics, Tally

VALUES = [0.0, *_BUCKETS, *[b * 0.999 for b in _BUCKETS], *[b * 1.001 for b in _BUCKETS], 1e6, 0.0004, 3.3]


def samples(registry) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in registry.collect() for s in m.samples
            if not s.name.endswith("_created")}


def test_tallies_read_as_prometheus_counts(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics = Metrics()
    reference = CollectorRegistry()
    requests = Counter("graphe_http_requests", "r", ["route", "method", "status"], registry=reference)
    latency = Histogram("graphe_http_request_duration_seconds", "l", ["route"], buckets=_BUCKETS, registry=reference)
    queries = Histogram("graphe_query_duration_seconds", "q", buckets=_BUCKETS, registry=reference)
    for flushes in range(3):  # counts added across several reads
        for i, value in enumerate(VALUES):
            status = "200" if i % 3 else "400"
            assert isinstance(metrics.child(metrics.requests, "/sparql", "POST", status), Tally)
            metrics.child(metrics.requests, "/sparql", "POST", status).inc()
            metrics.child(metrics.latency, "/sparql").observe(value)
            metrics.child(metrics.query_latency).observe(value)
            requests.labels("/sparql", "POST", status).inc()
            latency.labels("/sparql").observe(value)
            queries.observe(value)
        metrics.exposition()  # reading the metrics adds what was counted
        got, expected = samples(metrics.registry), samples(reference)
        assert {k: v for k, v in got.items() if k in expected} == pytest.approx(expected, rel=1e-12)  # sums: in another order
        assert {k: v for k, v in got.items() if k in expected and not k[0].endswith("_sum")} == \
            {k: v for k, v in expected.items() if not k[0].endswith("_sum")}


def test_with_several_server_processes_counts_go_straight_to_the_files(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    metrics = Metrics()
    assert not isinstance(metrics.child(metrics.requests, "/sparql", "GET", "200"), Tally)
