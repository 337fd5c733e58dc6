"""The query log written in batches: one write for many lines, off the request's path.

``graphe serve`` writes one JSON line per query (:func:`graphe.api.observe.log_query`). Written
one at a time, each line is a write and a flush of stderr — a system call on every request, a
tenth of what the endpoint spends on a small query. :class:`BatchHandler` keeps the formatted
lines and writes them together every :attr:`every` seconds (a thread), when :attr:`capacity`
lines wait, at a warning or worse, and when the process ends normally (``logging.shutdown``).
A process killed outright loses at most the last ``every`` seconds of query lines; every other
message of graphe is written at once, by the usual handler.
"""

from __future__ import annotations

import logging
import threading
from typing import TextIO


class BatchHandler(logging.Handler):
    """Lines formatted at once, written in batches to ``stream``."""

    def __init__(self, stream: TextIO, every: float = 0.5, capacity: int = 1024):
        super().__init__()
        self.stream, self.every, self.capacity = stream, every, capacity
        self.lines: list[str] = []
        self._stop = threading.Event()
        threading.Thread(target=self._tick, name="graphe-journal", daemon=True).start()

    def add(self, line: str) -> None:
        """A line already formatted, kept without a LogRecord (see :func:`batch_of`)."""
        self.lines.append(line)
        if len(self.lines) >= self.capacity:
            self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging's own rule: report, never raise
            self.handleError(record)
            return
        if len(self.lines) >= self.capacity or record.levelno >= logging.WARNING:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            lines, self.lines = self.lines, []
            if lines:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):  # stderr closed: nothing more to do
                    pass

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self.flush()
        super().close()


def batch_of(logger: logging.Logger) -> BatchHandler | None:
    """The BatchHandler that is ``logger``'s only way out (no filter, no propagation), or None.

    Then a line can be handed to it directly: a LogRecord (its time, thread, process…) costs
    more than the line itself, and nothing else would look at it.
    """
    handlers = logger.handlers
    if len(handlers) == 1 and isinstance(handlers[0], BatchHandler) and not logger.propagate and not logger.filters:
        return handlers[0]
    return None
