"""A response's head and body in one write (graphe.api.protocol.JoinedWrites)."""

from __future__ import annotations


def test_a_response_head_goes_out_with_its_body():
    """graphe.api.protocol.JoinedWrites: one write for head and body; a head alone is sent at
    the loop's next turn, and before any other use of the transport."""
    from graphe.api.protocol import JoinedWrites

    class Transport:
        def __init__(self):
            self.writes: list[bytes] = []

        def write(self, data):
            self.writes.append(data)

        def close(self):
            self.writes.append(b"<close>")

    class Loop:
        def __init__(self):
            self.soon = []

        def call_soon(self, fn):
            self.soon.append(fn)

    t, loop = Transport(), Loop()
    joined = JoinedWrites(t, loop)
    joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert t.writes == []
    joined.write(b"corps")
    joined.write(b" suite")
    assert t.writes == [b"HTTP/1.1 200 OK\r\n\r\ncorps", b" suite"]
    for fn in loop.soon:
        fn()
    assert len(t.writes) == 2  # nothing left to send
    t2, loop2 = Transport(), Loop()
    head_only = JoinedWrites(t2, loop2)
    head_only.write(b"HTTP/1.1 304 Not Modified\r\n\r\n")
    for fn in loop2.soon:
        fn()
    assert t2.writes == [b"HTTP/1.1 304 Not Modified\r\n\r\n"]
    t3 = Transport()
    closing = JoinedWrites(t3, Loop())
    closing.write(b"tete")
    closing.close()
    assert t3.writes == [b"tete", b"<close>"]
