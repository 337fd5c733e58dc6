"""uvicorn's HTTP/1.1 protocol with the limits it lacks: header size and count, time to send.

uvicorn (httptools) reads request headers without bound — a 256 MB header was read into memory
and answered 200 — and never closes a connection that sends half a request. Both are done here,
at the protocol level, before any application code runs:

- a request line and headers larger than ``max_head`` bytes, or more than ``max_headers``
  header fields: ``431`` and the connection is closed;
- a request (head and body) not received in full ``timeout`` seconds after its first byte, or a
  new connection that sends nothing for that long: ``408`` (nothing for a silent connection),
  and the connection is closed.

:func:`guarded_protocol` returns the protocol class to give ``uvicorn.Config(http=...)``.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


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

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._head_bytes = 0  # bytes received while the current head is incomplete
        self._head_size = 0  # bytes of the URL and header fields parsed so far
        self._header_count = 0
        self._in_head = True
        self._in_request = False  # between a request's first byte and its last
        self._rejected = False
        self._received = False  # any byte on this connection yet
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
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not None and self.cycle is not before:
            self.cycle.transport = JoinedWrites(self.transport, self.loop)

    def on_body(self, body: bytes) -> None:
        if not self._rejected:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._rejected:
            return
        self._cancel_timer()
        self._in_request = False
        self._in_head = True
        self._head_bytes = 0
        super().on_message_complete()

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


def guarded_protocol(max_head: int, max_headers: int, timeout: float) -> type[GuardedProtocol]:
    """A GuardedProtocol class with these limits (uvicorn instantiates the class itself)."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"max_head": max_head, "max_headers": max_headers, "timeout": timeout},
    )
