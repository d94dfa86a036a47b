"""uvicorn's HTTP protocol with a deadline on request headers (slow-header clients are cut off).

uvicorn bounds idle keep-alive (`timeout_keep_alive`) but not the time a client takes to send a
request's headers: a connection that opens and sends nothing, or trickles a header a byte at a
time, is held forever and never reaches the app. This protocol arms a timer when a connection
opens and whenever a new request's first bytes arrive, and disarms it once the headers are
complete; when it fires, a request already begun gets 408 in our envelope, an idle connection is
closed. The body's own deadline is the app's (`mumble.middleware.BodyDeadline`), which answers
in the envelope too.
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mumble.errors import error_body

HEADERS_TIMEOUT = "Request headers not received in time"


def _timeout_response() -> bytes:
    body = orjson.dumps(error_body(HEADERS_TIMEOUT))
    head = (
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class _HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout: float = 10.0
    _timer: asyncio.TimerHandle | None = None
    _begun = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        self._begun = True
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._disarm()
        self._begun = False
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._timer = self.loop.call_later(self.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self._begun:
            self.transport.write(_timeout_response())
        self.transport.close()


def header_deadline_protocol(seconds: float) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, cutting off clients whose headers take over `seconds`."""
    return type("HeaderDeadlineProtocol", (_HeaderDeadlineProtocol,), {"header_timeout": seconds})
