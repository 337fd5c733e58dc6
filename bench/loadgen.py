"""Requests per second at a given number of concurrent clients, with a generator that is not
the bottleneck.

Debian's ``wrk`` (C, epoll) is used when installed. Otherwise a raw asyncio HTTP/1.1 client on
plain sockets, run in its own process: a generic client (httpx) saturates near 1,500 req/s
here, below what Oxigraph serves, and would measure itself rather than the server.

Every request carries a unique no-op comment (``# n<thread>-<count>``) and
``Cache-Control: no-cache``, so that no cache anywhere can answer it in place of the engine.

Run alone: ``python bench/loadgen.py URL PATH-QUERY-FILE --concurrency 32 --duration 5``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

from graphe.cli.parser import FrenchParser

HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/sparql-results+json",
    "Cache-Control": "no-cache",
}


@dataclass
class LoadResult:
    tool: str
    concurrency: int
    duration_s: float
    requests: int
    errors: int  # non-2xx answers, connection, read, write errors and timeouts
    rps: float


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


WRK_SCRIPT = """
-- written by bench/loadgen.py: POST the query, each time with a unique no-op comment
local body = {body}
local path = {path}
local headers = {{}}
{headers}
local threads = {{}}
local counter = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, body .. "%0A%23+n" .. tostring(tid) .. "-" .. counter)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}}\\n', summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(url: str, query: str, concurrency: int, duration: float, threads: int = 2) -> LoadResult:
    parts = urlsplit(url)
    headers = "\n".join(f"headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in HEADERS.items())
    script = WRK_SCRIPT.format(
        body=_lua_string("query=" + quote_plus(query)), path=_lua_string(parts.path or "/"),
        headers=headers,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", str(min(threads, concurrency)), "-c", str(concurrency),
             "-d", f"{duration:.0f}s", "--timeout", "30s", "-s", f.name,
             f"{parts.scheme}://{parts.netloc}"],
            capture_output=True, text=True, timeout=duration + 60,
        )
    finally:
        os.unlink(f.name)
    m = re.search(r"WRKJSON (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError(f"wrk n'a pas rendu de bilan : {out.stdout}\n{out.stderr}")
    s = json.loads(m.group(1))
    errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
    seconds = s["duration_us"] / 1e6
    return LoadResult("wrk", concurrency, seconds, s["requests"], errors, s["requests"] / seconds)


# ---------------------------------------------------------------- the raw asyncio client


async def _one_client(host: str, port: int, path: str, body: bytes, tid: int, deadline: float,
                      counts: list[int]) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    ).encode()
    reader = writer = None
    n = 0
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            n += 1
            payload = body + f"%0A%23+n{tid}-{n}".encode()
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
            status, close = await _read_response(reader)
            counts[0] += 1
            if not 200 <= status < 300:
                counts[1] += 1
            if close:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts[0] += 1
            counts[1] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip().lower()
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif "chunked" in fields.get("transfer-encoding", ""):
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, fields.get("connection") == "close"


async def _run_async(url: str, query: str, concurrency: int, duration: float) -> tuple[int, int, float]:
    parts = urlsplit(url)
    body = ("query=" + quote_plus(query)).encode()
    counts = [0, 0]
    t0 = time.perf_counter()
    deadline = t0 + duration
    await asyncio.gather(*(
        _one_client(parts.hostname, parts.port, parts.path or "/", body, i, deadline, counts)
        for i in range(concurrency)
    ))
    return counts[0], counts[1], time.perf_counter() - t0


def run_asyncio(url: str, query: str, concurrency: int, duration: float) -> LoadResult:
    """The raw client, in a child process so that nothing else shares its interpreter."""
    out = subprocess.run(
        [sys.executable, __file__, url, "-", "--concurrency", str(concurrency),
         "--duration", str(duration), "--json"],
        input=query, capture_output=True, text=True, timeout=duration + 60,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return LoadResult(**json.loads(out.stdout))


def run(url: str, query: str, concurrency: int, duration: float, tool: str = "auto") -> LoadResult:
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return run_wrk(url, query, concurrency, duration)
    return run_asyncio(url, query, concurrency, duration)


def main(argv: list[str] | None = None) -> int:
    p = FrenchParser(description=__doc__.splitlines()[0])
    p.add_argument("url", help="the SPARQL endpoint, e.g. http://127.0.0.1:8000/sparql")
    p.add_argument("query_file", help="file holding the query ('-' for stdin)")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--tool", choices=("auto", "wrk", "asyncio"), default="auto")
    p.add_argument("--json", action="store_true", help="(internal) run the asyncio client, print JSON")
    args = p.parse_args(argv)
    query = sys.stdin.read() if args.query_file == "-" else Path(args.query_file).read_text()
    if args.json:
        done, errors, seconds = asyncio.run(_run_async(args.url, query, args.concurrency, args.duration))
        print(json.dumps(asdict(LoadResult("asyncio", args.concurrency, seconds, done, errors,
                                           done / seconds))))
        return 0
    print(json.dumps(asdict(run(args.url, query, args.concurrency, args.duration, args.tool))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
