"""``graphe serve``: options, the dataset built when missing or stale, a real process end to end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graphe import server
from graphe.build import fresh
from graphe.cli import serve as serve_cli
from graphe.errors import BadRequest, DataError, ValidationFailed

GRAPHE = Path(sys.executable).parent / "graphe"
QUERY = "PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>\nSELECT ?c WHERE { ?c a cdv:Commune } ORDER BY ?c\n"


def test_serve_help_lists_the_options():
    out = subprocess.run([GRAPHE, "serve", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--host", "--port", "--workers", "--store", "--timeout", "--row-limit", "--cache-mb", "--dist", "--no-build"):
        assert option in out


def parse(*argv):
    import argparse

    from graphe.project import current

    parser = argparse.ArgumentParser()
    serve_cli.add_arguments(parser)
    return parser.parse_args(list(argv), argparse.Namespace(project=current()))  # as graphe.cli gives it


@pytest.mark.parametrize("argv, message", [
    (["--timeout", "0"], "--timeout"), (["--workers", "0"], "--workers"), (["--port", "70000"], "--port"),
    (["--store", "virtuoso"], "magasin inconnu"),
])
def test_bad_options_are_one_line_errors(argv, message):
    with pytest.raises(BadRequest, match=message):
        serve_cli.settings_from(parse(*argv))


def test_settings_from_options(tmp_path):
    s = serve_cli.settings_from(parse("--timeout", "3", "--workers", "1", "--store", "rdflib", "--dist", str(tmp_path), "--cache-mb", "0"))
    assert (s.timeout, s.workers, s.store, s.dist, s.cache_mb) == (3.0, 1, "rdflib", tmp_path, 0)


def test_staleness(tmp_path):
    source = tmp_path / "source.ttl"
    source.write_text("")
    assert fresh.is_stale(tmp_path, [source])
    (tmp_path / "dataset.nq").write_text("")
    os.utime(source, (time.time() - 100, time.time() - 100))
    assert not fresh.is_stale(tmp_path, [source])
    os.utime(source, (time.time() + 100, time.time() + 100))
    assert fresh.is_stale(tmp_path, [source])
    assert fresh.sources() and all(p.is_file() for p in fresh.sources())


def test_the_dataset_is_built_when_missing_and_kept_when_a_rebuild_fails(tmp_path, monkeypatch, nquads):
    calls = []

    class Result:
        def summary(self):
            return "construit"

    def fake_build(dist, project=None):
        calls.append(dist)
        dist.mkdir(parents=True, exist_ok=True)
        shutil.copy(nquads, dist / "dataset.nq")
        return Result()

    import graphe.build

    monkeypatch.setattr(graphe.build, "build", fake_build)
    dist = tmp_path / "dist"
    assert server.ensure_dataset(dist) == dist / "dataset.nq" and calls == [dist]
    monkeypatch.setattr(fresh, "is_stale", lambda d, inputs=None, project=None: True)

    def failing_build(dist, project=None):
        raise ValidationFailed("validation: 1 violation(s)")

    monkeypatch.setattr(graphe.build, "build", failing_build)
    assert server.ensure_dataset(dist).read_bytes() == nquads.read_bytes()  # the last good one
    with pytest.raises(ValidationFailed):
        server.ensure_dataset(tmp_path / "vide")
    with pytest.raises(DataError, match="absent"):
        server.ensure_dataset(tmp_path / "vide", build=False)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serving(dist, *options, env: dict | None = None) -> tuple[subprocess.Popen, str, float]:
    """``graphe serve`` in a process, once it answers: (process, base URL, cold start in s)."""
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [GRAPHE, "serve", "--dist", str(dist), "--no-build", "--port", str(port), *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - started < 30:
        try:
            httpx.get(url + "/health").raise_for_status()
            return proc, url, time.monotonic() - started
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise AssertionError(proc.communicate()[1]) from None
            time.sleep(0.02)
    proc.kill()
    raise AssertionError("graphe serve n'a pas démarré")


def stop_serving(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, 130)  # 130: stopped by Ctrl-C, as a shell would say
    assert "Traceback" not in err
    return err


def test_graphe_serve_end_to_end(endpoint_dist, communes):
    """The README's job: start it, POST a query as curl would, stop it with Ctrl-C.
    (The cold start is a figure of bench/run.py, not an assertion.)"""
    proc, url, _ = start_serving(endpoint_dist, "--processes", "1", "--workers", "2")
    try:
        response = httpx.post(url + "/sparql", data={"query": QUERY}, headers={"Accept": "text/csv"})
        assert response.status_code == 200
        assert response.text.splitlines() == ["c"] + [c.iri for c in communes]
    finally:
        err = stop_serving(proc)
    assert '"event": "query"' in err  # the structured log line


def test_graphe_serve_with_several_processes(endpoint_dist, tmp_path):
    """Two server processes share the port; the metrics add up across them."""
    # its own temporary directory, so the metrics files checked below are this server's only
    proc, url, _ = start_serving(endpoint_dist, "--processes", "2", "--workers", "2", env={"TMPDIR": str(tmp_path)})
    try:
        pids = set()
        # A new connection each time: the kernel hands each to whichever process accepts first. On
        # a loaded machine the second process may still be starting, or one may win many in a row,
        # so keep asking (with a pause now and then) rather than stopping at a fixed small number.
        for i in range(400):
            with httpx.Client() as c:
                pids.add(c.get(url + "/health").json()["pid"])
                assert c.post(url + "/sparql", data={"query": QUERY + f"# {i}"}).status_code == 200
            if len(pids) == 2 and i >= 9:
                break
            if i % 20 == 19:
                time.sleep(0.2)
        assert len(pids) == 2
        metrics = httpx.get(url + "/metrics").text
        total = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                    if line.startswith('graphe_http_requests_total{') and 'route="/sparql"' in line)
        assert total >= 10
    finally:
        stop_serving(proc)
    assert not any(p.name.startswith("graphe-metriques-") for p in tmp_path.iterdir())


def test_graphe_serve_without_a_dataset_says_so_in_one_line(tmp_path):
    proc = subprocess.run([GRAPHE, "serve", "--dist", str(tmp_path), "--no-build", "--port", str(free_port())],
                          check=False, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "jeu de données absent" in proc.stderr and "Traceback" not in proc.stderr


def test_a_taken_port_is_a_one_line_error(endpoint_dist):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        for processes in ("1", "2"):
            proc = subprocess.run(
                [GRAPHE, "serve", "--dist", str(endpoint_dist), "--no-build", "--port", str(port), "--processes", processes],
                check=False, capture_output=True, text=True, timeout=30,
            )
            assert proc.returncode == 1
            assert f"impossible d'écouter sur 127.0.0.1:{port}" in proc.stderr and "Traceback" not in proc.stderr
