"""uvicorn's HTTP/1.1 protocol with the limits it lacks: header size and count, time to send.

uvicorn (httptools) reads request headers without bound — a 256 MB header was read into memory
and answered 200 — and never closes a connection that sends half a request. Both are done here,
at the protocol level, before any application code runs:

- a request line and headers larger than ``max_head`` bytes, or more than ``max_headers``
  header fields: ``431`` and the connection is closed;
- a request (head and body) not received in full ``timeout`` seconds after its first byte, or a
  new connection that sends nothing for that long: ``408`` (nothing for a silent connection),
  and the connection is closed.

It also answers ``/sparql``'s common requests itself when their answer needs no waiting (the
*lane*, :meth:`graphe.api.quick.QuickLane.at_once`): such a request is held, unseen by uvicorn,
until it has arrived in full, then answered in the same step, without the ASGI request cycle;
when the lane declines, the request is given to uvicorn as it came, as if just parsed.

:func:`guarded_protocol` returns the protocol class to give ``uvicorn.Config(http=...)``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

if TYPE_CHECKING:
    from graphe.api.quick import QuickLane

log = logging.getLogger("graphe.api")

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large", 500: b"Internal Server Error"}


def _raw_response(status: int, message: str) -> bytes:
    body = (message + "\n").encode()
    return b"".join([
        b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status]),
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: %d\r\n" % len(body),
        b"connection: close\r\n\r\n",
        body,
    ])


class GuardedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses oversized heads (431) and slow requests (408)."""

    max_head = 65_536
    max_headers = 100
    timeout = 10.0
    lane: QuickLane | None = None  # /sparql's requests it can answer at once (None: uvicorn answers all)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._head_bytes = 0  # bytes received while the current head is incomplete
        self._head_size = 0  # bytes of the URL and header fields parsed so far
        self._header_count = 0
        self._in_head = True
        self._in_request = False  # between a request's first byte and its last
        self._rejected = False
        self._received = False  # any byte on this connection yet
        self._held: list[bytes] | None = None  # the body of a request held for the lane
        self._timer: asyncio.TimerHandle | None = self.loop.call_later(self.timeout, self._expire)

    def connection_lost(self, exc) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def data_received(self, data: bytes) -> None:
        if self._rejected:
            return
        self._received = True
        if not self._in_request:
            self._in_request = True
            if self._timer is None:
                self._timer = self.loop.call_later(self.timeout, self._expire)
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._rejected:
            return
        if self._in_head and self._head_bytes > self.max_head and not self.transport.is_closing():
            self._refuse_head()

    # parser callbacks: count the head, stop before the application sees an oversized one

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_size = self._header_count = 0

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._header_count > self.max_headers or self._head_size > self.max_head:
            self._refuse_head()
            return
        if self.lane is not None and self._for_the_lane():
            self._held = []
            return
        self._start_cycle()

    def _start_cycle(self) -> None:
        """uvicorn's request cycle for the request just parsed (its answer written in one piece)."""
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not None and self.cycle is not before:
            self.cycle.transport = JoinedWrites(self.transport, self.loop)

    def _for_the_lane(self) -> bool:
        """Can the lane take this request: ``/sparql``, GET or POST with a body of a known length
        within the lane's limit, nothing to continue or upgrade, no answer under way before it,
        a client reading its answers, no access log to write?"""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return False  # uvicorn queues pipelined requests behind the answer under way
        if self.flow.write_paused or self.transport.is_closing():
            return False  # the client is not reading (uvicorn waits for it), or the connection ends
        if self.access_log and self.access_logger.isEnabledFor(logging.INFO):
            return False  # uvicorn writes the access log's line
        url = self.url
        if not url.startswith(b"/sparql") or url[7:8] not in (b"", b"?") or self.root_path:
            return False
        method = self.parser.get_method()
        if method not in (b"GET", b"POST") or self.expect_100_continue or self.parser.should_upgrade():
            return False
        length = None
        for name, value in self.headers:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                return False
        if method == b"GET":
            return length is None
        return length is not None and length.isdigit() and int(length) <= self.lane.max_body

    def on_body(self, body: bytes) -> None:
        if self._rejected:
            return
        if self._held is not None:
            self._held.append(body)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._rejected:
            return
        self._cancel_timer()
        self._in_request = False
        self._in_head = True
        self._head_bytes = 0
        held = self._held
        if held is None:
            super().on_message_complete()
            return
        self._held = None
        self._to_the_lane(b"".join(held))

    # the lane

    def _to_the_lane(self, body: bytes) -> None:
        """Answer the held request with the lane, or give it to uvicorn as it came."""
        keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
        assert self.lane is not None  # a request is held only with a lane
        try:
            answer = self.lane.at_once(self.parser.get_method().decode("ascii"), self.url, self.headers, body,
                                       self.scheme, self.server)
        except Exception:  # a bug in the lane: the connection's other requests must not pay for it
            log.exception("erreur interne sur /sparql")
            self._close_with(500, "erreur interne du serveur.")
            return
        if answer is None:
            self._start_cycle()
            if body:
                super().on_body(body)
            super().on_message_complete()
        elif isinstance(answer, tuple):
            self._write_answer(answer, keep_alive)
        else:
            self._answer_later(answer, keep_alive)

    def _write_answer(self, answer: tuple[int, list, bytes], keep_alive: bool) -> None:
        """Write ``(status, headers, body)`` as uvicorn would (its default headers first), then
        end the exchange as uvicorn does: close, or wait for the next request."""
        status, headers, body = answer
        head = [STATUS_LINE[status]]
        closing = False  # a "Connection: close" among the headers
        for name, value in [*self.server_state.default_headers, *headers]:
            if name == b"connection" and b"close" in [token.strip() for token in value.lower().split(b",")]:
                keep_alive, closing = False, True
            head += [name, b": ", value, b"\r\n"]
        if not keep_alive and not closing:
            head.append(b"connection: close\r\n")
        head.append(b"\r\n")
        head.append(body)
        self.transport.write(b"".join(head))
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()

    def _answer_later(self, work, keep_alive: bool) -> None:
        """An answer still to finish off the loop (``work``, a coroutine): uvicorn sees an answer
        under way, so a request pipelined behind it waits its turn."""
        pending = self.cycle = _Pending(keep_alive)
        task = self.loop.create_task(work)
        self.tasks.add(task)

        def done(task: asyncio.Task) -> None:
            self.tasks.discard(task)
            pending.response_complete = True
            if task.cancelled() or self.transport.is_closing():
                return
            if task.exception() is not None:
                log.error("erreur interne sur /sparql", exc_info=task.exception())
                self._close_with(500, "erreur interne du serveur.")
                return
            self._write_answer(task.result(), pending.keep_alive)

        task.add_done_callback(done)

    # refusals

    def _refuse_head(self) -> None:
        self._rejected = True
        self._cancel_timer()
        message = (
            f"en-têtes trop gros : au plus {self.max_headers} champs et {self.max_head} octets "
            "pour la ligne de requête et les en-têtes."
        )
        self._close_with(431, message)

    def _expire(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        answering = cycle is not None and cycle.response_started and not cycle.response_complete
        if not self._received or answering:
            self.transport.close()  # a silent connection, or the answer has begun: just close
            return
        self._rejected = True
        self._close_with(408, f"requête reçue trop lentement : elle doit arriver en entier en {self.timeout:g} s.")

    def _close_with(self, status: int, message: str) -> None:
        self.transport.write(_raw_response(status, message))
        self.transport.close()


class _Pending:
    """Stands for uvicorn's request cycle while the lane finishes an answer (see ``_answer_later``)."""

    response_started = True
    response_complete = False
    disconnected = False

    def __init__(self, keep_alive: bool):
        self.keep_alive = keep_alive  # uvicorn's shutdown sets it to False
        self.message_event = asyncio.Event()  # uvicorn's connection_lost sets it


class JoinedWrites:
    """A response's transport that sends its head with the first piece of its body.

    uvicorn writes the status line and headers, then the body: two system calls and two
    packets per answer, where one does. The head is held until the next write (normally at
    once, in the same step of the event loop) or, failing that, until the loop's next turn; any
    other use of the transport (close…) sends it first.
    """

    __slots__ = ("_transport", "_loop", "_head", "_started")

    def __init__(self, transport, loop):
        self._transport, self._loop = transport, loop
        self._head: bytes | None = None
        self._started = False

    def write(self, data: bytes) -> None:
        if not self._started:  # the head: uvicorn's first write of a response
            self._started = True
            self._head = data
            self._loop.call_soon(self.flush)
            return
        head = self._head
        if head is not None:
            self._head = None
            data = head + data
        self._transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head)

    def __getattr__(self, name: str):
        self.flush()
        return getattr(self._transport, name)


def guarded_protocol(max_head: int, max_headers: int, timeout: float, lane=None) -> type[GuardedProtocol]:
    """A GuardedProtocol class with these limits and ``lane`` (uvicorn instantiates the class itself)."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"max_head": max_head, "max_headers": max_headers, "timeout": timeout, "lane": lane},
    )
