"""One signed webhook POST through the URL guard, reduced to an Outcome (never raises for the
endpoint's faults: refused URL, connection error, timeout and non-2xx are all failures)."""

from __future__ import annotations

import dataclasses
import time

import aiohttp

from mumble.events import signing
from mumble.urlguard import UnsafeUrl, pinned_request

ERROR_MAX = 500
USER_AGENT = "Mumble-Webhooks/1"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the endpoint did with one request."""

    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


async def post_signed(
    session: aiohttp.ClientSession,
    url: str,
    secret: str,
    msg_id: str,
    body: bytes,
    *,
    timestamp: int,
    timeout_seconds: float,
    allow_private: bool,
) -> Outcome:
    """POST `body` signed with `secret`; 2xx is success, anything else a failure with its reason."""
    headers = {
        **signing.headers(secret, msg_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with pinned_request(
            session,
            "POST",
            url,
            allow_private=allow_private,
            headers=headers,
            data=body,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            # Read (and drop) a little of the answer so the connection can be reused.
            await response.content.read(4096)
            status = response.status
    except UnsafeUrl as exc:
        return Outcome(False, None, elapsed(), _clip(f"URL refused: {exc}"))
    except TimeoutError:
        return Outcome(False, None, elapsed(), f"Timed out after {timeout_seconds:g} seconds")
    except aiohttp.ClientError as exc:
        return Outcome(False, None, elapsed(), _clip(f"Connection error: {exc}"))
    if 200 <= status < 300:
        return Outcome(True, status, elapsed(), None)
    return Outcome(False, status, elapsed(), f"HTTP {status}")
