"""One POST of the AI bot to the model or the agent, through the URL guard, with its answer.

Failures are reduced to `AttemptFailed`, saying whether another attempt could help: a timeout,
a connection error, a 5xx, 408 or 429 may pass; a refused URL or another 4xx (a wrong key, a
model the server does not have) will answer the same again. The detail names the kind of
failure only: never a header (the key, the signature) and never the body (customer text).
"""

from __future__ import annotations

import aiohttp

from mumble.urlguard import UnsafeUrl, pinned_request

USER_AGENT = "Mumble-AiBot/1"
# An answer is a chat message: a megabyte is far beyond any reply and bounds what is read.
MAX_ANSWER_BYTES = 1024 * 1024
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})


class AttemptFailed(Exception):
    """One attempt did not give a usable answer."""

    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise AttemptFailed(f"answer larger than {max_bytes} bytes", retryable=False)
    return bytes(body)


async def post_json(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout_seconds: float,
    allow_private: bool,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> bytes:
    """POST the JSON `body`; the 2xx answer's bytes, else AttemptFailed."""
    request_headers = {
        **headers,
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        async with pinned_request(
            http,
            "POST",
            url,
            allow_private=allow_private,
            headers=request_headers,
            data=body,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            status = response.status
            data = await _read_capped(response, max_bytes)
    except UnsafeUrl as exc:
        raise AttemptFailed(f"URL refused: {exc}", retryable=False) from None
    except TimeoutError:
        raise AttemptFailed(f"timed out after {timeout_seconds:g} s", retryable=True) from None
    except aiohttp.ClientError as exc:
        raise AttemptFailed(f"connection error ({type(exc).__name__})", retryable=True) from None
    if not 200 <= status < 300:
        retryable = status >= 500 or status in _RETRYABLE_4XX
        raise AttemptFailed(f"HTTP {status}", retryable=retryable)
    return data
