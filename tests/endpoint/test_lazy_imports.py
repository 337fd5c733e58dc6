"""A server that only answers SPARQL loads neither rdflib, nor Jinja2, nor markdown-it.

They are loaded by the first page or document that needs them (graphe.web.templating,
graphe.provenance, graphe.api.publication, graphe.web.annex): the server process starts
~0.1 s sooner and holds ~9 MB less while it serves SPARQL only. A child process builds the
app, starts it, answers queries through the protocol's lane and through the app, and then a
page, printing what it had loaded at each step.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ["rdflib", "jinja2", "markdown_it"]

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    from graphe.api import Settings, create_app

    HEAVY = {heavy!r}

    def loaded():
        return [m for m in HEAVY if m in sys.modules]

    async def call(app, method, path, query_string=b"", body=b"", headers=()):
        scope = {{"type": "http", "asgi": {{"version": "3.0"}}, "http_version": "1.1", "method": method,
                  "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query_string,
                  "root_path": "", "headers": [(b"host", b"x"), *headers], "server": ("127.0.0.1", 80),
                  "client": ("127.0.0.1", 1)}}
        sent, given = [], False

        async def receive():
            nonlocal given
            if given:
                await asyncio.sleep(3600)
            given = True
            return {{"type": "http.request", "body": body, "more_body": False}}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"]

    async def main():
        steps = {{}}
        app = create_app(Settings(dist=sys.argv[1]))
        steps["créée"] = loaded()
        rt = app.state.runtime
        await rt.start()
        steps["démarrée"] = loaded()
        form = [(b"content-type", b"application/x-www-form-urlencoded")]
        for text in ("SELECT ?c WHERE {{ ?c a <https://w3id.org/contrats-de-ville/ontologie#Commune> }}", "ASK {{}}"):
            body = ("query=" + text).encode()
            assert await call(app, "POST", "/sparql", body=body, headers=form) == 200
            await asyncio.sleep(0.3)  # the in-process store opens
            status, _, _ = app.quick.at_once("POST", b"/sparql", [*form, (b"content-length", str(len(body)).encode())],
                                             body, "http", ("127.0.0.1", 80))
            assert status == 200
        assert await call(app, "GET", "/queries/comptes-par-commune", b"format=json") == 200
        steps["sparql"] = loaded()
        assert await call(app, "GET", "/communes", headers=[(b"accept", b"text/html")]) == 200
        steps["page"] = loaded()
        await rt.close()
        print(json.dumps(steps))

    asyncio.run(main())
""").format(heavy=HEAVY)


def test_sparql_only_loads_no_rdflib_jinja_or_markdown(endpoint_dist):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(endpoint_dist)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    steps = json.loads(run.stdout.strip().splitlines()[-1])
    assert steps["créée"] == steps["démarrée"] == steps["sparql"] == [], steps
    assert "jinja2" in steps["page"], steps  # the first page loads them: the test sees what it claims
