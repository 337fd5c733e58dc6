"""Server time of each staff page type and of search, side by side with ``/sparql``.

Starts ``graphe serve`` on a free loopback port over the built ``dist/`` and, over one
keep-alive connection as a browser would (``Accept: text/html``, gzip), requests each page
type: once cold (the first request runs the page's queries), then ``--repeat`` times warm
(answers kept for the dataset's version, templates compiled). Searches are measured without
the kept answers: each repeat is a new URL, so the index is queried and the page rendered. ``/sparql`` runs the named
question ``partenaires-communs`` on the same server as the reference. Prints median and p95
in milliseconds and each page's ratio to ``/sparql``, then the issue's targets (every page
under 50 ms, search under 20 ms). Usage: ``.venv/bin/python bench/pages.py [--repeat 50]``.
"""

from __future__ import annotations

import http.client
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from graphe.cli.parser import FrenchParser

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "accueil": "/", "communes": "/communes", "commune": "/communes/94017", "partenaires": "/partenaires",
    "partenaire": "/partenaires/education-nationale", "dispositif": "/dispositifs/pre", "thème": "/themes/cohesion-sociale",
    "quartier": "/quartiers/qpv/bois-l-abbe", "comparaison": "/comparer/partenaires",
    "comparaison filtrée": "/comparer/partenaires?sorte=Association", "annexe": "/annexe",
    "question": "/queries/partenaires-commune?commune=commune%3A94017", "ressource /id/": "/id/action/champigny-sante-2-5",
    "csv d'un tableau": "/communes/94017?csv=chiffres", "404": "/nulle-part",
}
SEARCHES = {"recherche « prevention »": "prevention", "recherche « reussite educative »": "reussite educative",
            "recherche « PRE »": "PRE", "recherche « bailleur »": "bailleur"}
TARGETS = {"page": 50.0, "recherche": 20.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(conn, path: str, accept: str = "text/html") -> tuple[float, int]:
    start = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept, "Accept-Encoding": "gzip"})
    response = conn.getresponse()
    response.read()
    return (time.perf_counter() - start) * 1000, response.status


def measure(conn, path: str, repeat: int, accept: str = "text/html", fresh: bool = False) -> dict:
    """First request, then ``repeat`` more: the same URL (kept answer), or with ``fresh`` a new
    URL each time (an ignored ``n=`` parameter), so that nothing kept is reused."""
    cold, status = timed(conn, path, accept)
    warm = sorted(timed(conn, f"{path}&n={i}" if fresh else path, accept)[0] for i in range(repeat))
    return {"status": status, "cold": cold, "median": statistics.median(warm), "p95": warm[int(0.95 * (len(warm) - 1))]}


def main() -> int:
    parser = FrenchParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    graphe = Path(sys.executable).with_name("graphe")
    server = subprocess.Popen([str(graphe), "serve", "--port", str(port), "--no-build"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                timed(conn, "/favicon.ico")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("graphe serve ne démarre pas (lancer « graphe build » d'abord)", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        query = (ROOT / "queries" / "partenaires-communs.rq").read_text(encoding="utf-8")
        reference = measure(conn, "/sparql?" + urlencode({"query": query}), args.repeat, "application/sparql-results+json")
        rows = [("/sparql (partenaires-communs)", reference, None)]
        for name, path in PAGES.items():
            rows.append((name, measure(conn, path, args.repeat), "page"))
        for name, q in SEARCHES.items():
            rows.append((name, measure(conn, "/recherche?" + urlencode({"q": q}), args.repeat, fresh=True), "recherche"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"{'page':36} {'statut':>6} {'1re fois':>9} {'médiane':>8} {'p95':>7} {'÷ /sparql':>9}  cible")
    missed = []
    for name, m, kind in rows:
        ratio = m["median"] / reference["median"]
        target = TARGETS.get(kind or "", None)
        verdict = "" if target is None else ("ok" if m["p95"] < target else f"> {target:g} ms")
        if target is not None and m["p95"] >= target:
            missed.append(name)
        print(f"{name:36} {m['status']:>6} {m['cold']:>7.1f}ms {m['median']:>6.2f}ms {m['p95']:>5.2f}ms {ratio:>9.2f}  {verdict}")
    print(f"\n{len(rows) - 1} mesures, {args.repeat} requêtes chaudes chacune ; cibles (p95) : page < 50 ms, recherche < 20 ms"
          + (f" ; manquées : {', '.join(missed)}" if missed else " ; toutes tenues"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
