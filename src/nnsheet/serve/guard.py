"""The connection guard of ``nnsheet serve``: what uvicorn (0.55 here) lacks against slow and greedy
clients, as its own h11 protocol (``uvicorn.Config(http=…)``).

uvicorn has a keep-alive timeout but no header-read timeout: a client that sends one byte of a
request line every 10 s holds its connection for ever, and ``limit_concurrency`` then answers 503
to everyone else. The guard adds, per connection:

- a **header-read timeout**: the request line and headers must have arrived ``header_timeout``
  seconds after the connection opened (or after the previous response): else it is closed;
- a **per-client cap**: at most ``per_client`` open connections from one address; more are
  closed at once (a browser opens about 6; a lab behind one router shares an address);
- a **total cap** below the open-file limit (:func:`.run.raise_open_files`): the server never
  runs out of file descriptors, so no "Too many open files" tracebacks.

A refused connection is reset without a word (no log line: 1,000 of them must not flood the
log).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from uvicorn.protocols.http.h11_impl import H11Protocol


@dataclass
class Guard:
    """The limits and the open connections they count (one event loop: no locking)."""

    per_client: int = 256
    total: int = 4096
    header_timeout: float = 10.0
    open: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    timed_out: int = 0

    def admit(self, host: str) -> bool:
        if self.open.total() >= self.total or self.open[host] >= self.per_client:
            self.refused += 1
            return False
        self.open[host] += 1
        return True

    def leave(self, host: str) -> None:
        self.open[host] -= 1
        if self.open[host] <= 0:
            del self.open[host]


class GuardedH11Protocol(H11Protocol):
    guard: Guard  # set on the subclass made by guarded_protocol

    _host: str | None = None
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        peer = transport.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self.guard.admit(host):
            transport.abort()
            return
        self._host = host
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._host is None:  # refused: uvicorn never saw it
            return
        self._disarm()
        self.guard.leave(self._host)
        self._host = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._waiting_for_headers():
            if self._deadline is None:  # the first byte of the next request on a kept-alive
                self._arm()  # connection starts its clock
        else:
            self._disarm()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.guard.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.guard.timed_out += 1
            self.transport.abort()


def guarded_protocol(guard: Guard) -> type[GuardedH11Protocol]:
    """The protocol class to give uvicorn (``Config(http=…)``), bound to ``guard``."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"guard": guard})
