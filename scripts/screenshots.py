"""Screenshots of each page type at desktop and phone width, for the README (docs/screenshots/).

Starts ``graphe serve`` on a free loopback port over the built ``dist/`` (run ``graphe build``
first), then has headless Chromium (Debian's ``chromium``) capture the top of each page at
1280 × 1000 and 390 × 844 pixels. Usage: ``.venv/bin/python scripts/screenshots.py``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PAGES = {
    "accueil": "/", "commune": "/communes/94017", "partenaire": "/partenaires/education-nationale",
    "dispositif": "/dispositifs/pre", "theme": "/themes/cohesion-sociale", "quartier": "/quartiers/qpv/bois-l-abbe",
    "comparaison": "/comparer/partenaires", "annexe": "/annexe", "recherche": "/recherche?q=r%C3%A9ussite+%C3%A9ducative",
    "question": "/queries/partenaires-commune?commune=commune%3A94017", "ressource": "/id/action/champigny-sante-2-5",
    "introuvable": "/nulle-part",
}
SIZES = {"bureau": (1280, 1000), "telephone": (390, 844)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium est requis : apt-get install -y chromium", file=sys.stderr)
        return 1
    port = free_port()
    graphe = Path(sys.executable).with_name("graphe")
    server = subprocess.Popen([str(graphe), "serve", "--port", str(port), "--workers", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("graphe serve ne démarre pas (graphe build a-t-il été lancé ?)", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="graphe-captures-") as profile:
            for name, path in PAGES.items():
                for size_name, (width, height) in SIZES.items():
                    target = OUT / f"{name}-{size_name}.png"
                    subprocess.run(
                        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                         "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
                         f"--window-size={width},{height}", f"--screenshot={target}", base + path],
                        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
                    )
                    print(target.relative_to(ROOT))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
