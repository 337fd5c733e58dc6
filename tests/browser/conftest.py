"""A real browser on the real app: headless Chromium driven through ChromeDriver.

ChromeDriver speaks the W3C WebDriver protocol (JSON over HTTP), so the few commands these
tests need are sent with httpx: no Selenium, nothing downloaded. The browser and its driver
are Debian's packages (``apt-get install -y chromium chromium-driver``); when they are missing
the tests fail and say so rather than skip. The app is graphe's own (``graphe.api.create_app``)
on the built dataset, served by uvicorn on a free loopback port in a background thread.

Chromium is started with the flags this machine needs: no sandbox (root), and no background
networking (there is no network: the page must not need one).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
APT_LINE = "apt-get install -y chromium chromium-driver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1400",
]
#: W3C WebDriver key codes
CONTROL, ENTER = "\ue009", "\ue007"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(AssertionError):
    pass


class Browser:
    """One WebDriver session: the handful of commands the page tests use."""

    def __init__(self, driver_url: str, session: str, client: httpx.Client):
        self.base = f"{driver_url}/session/{session}"
        self.client = client

    def _cmd(self, method: str, path: str, payload: dict | None = None):
        r = self.client.request(method, self.base + path, json=payload)
        value = r.json().get("value")
        if r.status_code != 200:
            raise WebDriverError(f"{method} {path}: {value}")
        return value

    def get(self, url: str) -> None:
        self._cmd("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return self._cmd("GET", "/url")

    def js(self, script: str, *args):
        """Run ``script`` (a function body; ``arguments`` holds args) and return its value."""
        return self._cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script: str, *args):
        """Run ``script``, which calls ``arguments[arguments.length - 1](value)`` when done."""
        return self._cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def find(self, css: str) -> dict:
        return self._cmd("POST", "/element", {"using": "css selector", "value": css})

    def click(self, css: str) -> None:
        self._cmd("POST", f"/element/{self.find(css)[ELEMENT]}/click", {})

    def type(self, css: str, text: str) -> None:
        self._cmd("POST", f"/element/{self.find(css)[ELEMENT]}/value", {"text": text})

    def clear(self, css: str) -> None:
        self._cmd("POST", f"/element/{self.find(css)[ELEMENT]}/clear", {})

    def chord(self, *keys: str) -> None:
        """Press ``keys`` together (e.g. CONTROL, ENTER) on the focused element."""
        actions = [{"type": "keyDown", "value": k} for k in keys]
        actions += [{"type": "keyUp", "value": k} for k in reversed(keys)]
        self._cmd("POST", "/actions", {"actions": [{"type": "key", "id": "clavier", "actions": actions}]})
        self._cmd("DELETE", "/actions")

    def ctrl_enter(self) -> None:
        self.chord(CONTROL, ENTER)

    def wait(self, script: str, *args, timeout: float = 15.0):
        """Poll ``script`` until it returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise WebDriverError(f"attente dépassée ({timeout} s) : {script}")
            time.sleep(0.05)

    def wait_ready(self) -> None:
        self.wait("return document.body && document.body.getAttribute('data-pret') === 'oui'")

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self._cmd("GET", "/screenshot")))
        return path

    def console_errors(self) -> list[str]:
        """Messages the page logged as errors (ChromeDriver's log endpoint)."""
        try:
            entries = self._cmd("POST", "/se/log", {"type": "browser"})
        except WebDriverError:
            return []
        return [e["message"] for e in entries if e.get("level") == "SEVERE"]


@pytest.fixture(scope="session")
def chromedriver():
    """A running ChromeDriver; the test fails (never skips) when Chromium is not installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail(f"Chromium et ChromeDriver sont requis pour les tests de la page : {APT_LINE}")
    port = free_port()
    proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(timeout=60)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.get(f"{url}/status").json()["value"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("ChromeDriver ne démarre pas")
            time.sleep(0.05)
        yield url, client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(chromedriver):
    url, client = chromedriver
    profile = tempfile.mkdtemp(prefix="graphe-chromium-")
    caps = {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]},
        "goog:loggingPrefs": {"browser": "ALL"},
    }
    r = client.post(f"{url}/session", json={"capabilities": {"alwaysMatch": caps}})
    assert r.status_code == 200, r.text
    session = r.json()["value"]["sessionId"]
    try:
        yield Browser(url, session, client)
    finally:
        client.delete(f"{url}/session/{session}")
        shutil.rmtree(profile, ignore_errors=True)


class LiveServer:
    """An ASGI app served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("le serveur de test ne démarre pas")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_app(built_dist):
    """graphe's app on the built dataset, as ``graphe serve`` runs it."""
    from graphe.api import Settings, create_app

    return create_app(Settings(dist=built_dist, workers=1))


@pytest.fixture(scope="session")
def live_slow(built_dist):
    """The same app with a one-second query timeout, to meet it in the page."""
    from graphe.api import Settings, create_app

    return create_app(Settings(dist=built_dist, workers=1, timeout=1.0))


@pytest.fixture(scope="session")
def serve():
    """``with serve(app) as server:`` runs ``app`` at ``server.url`` for the block."""
    return LiveServer


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the tests leave screenshots of what they saw (GRAPHE_SCREENSHOTS to keep them)."""
    keep = os.environ.get("GRAPHE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("captures")
