"""The Graph API client: one `_request` for every call, typed errors, safe retries.

Built once per process in the app lifespan on the app's single aiohttp session. It knows
nothing of our models, errors or HTTP responses. The access token travels only in
the Authorization header: it is never logged and never put into an exception message.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from mumble.observability import metrics
from mumble.whatsapp.errors import (
    NON_SEND_RETRY_CODES,
    SAFE_RETRY_CODES,
    RateLimited,
    TransportError,
    WhatsAppError,
    from_graph,
)

log = logging.getLogger("mumble.whatsapp")

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5, sock_read=15)
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120, connect=5, sock_read=60)
# Media URLs may hand over to a CDN; more hops than this is a loop or a misconfiguration.
MEDIA_REDIRECTS = 3
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Channel:
    """An account's WhatsApp number as the Graph API addresses it."""

    phone_number_id: str
    waba_id: str
    access_token: str = field(repr=False)

    def waba(self) -> str:
        """The WABA id template calls address (callers check that the account has one)."""
        if not self.waba_id:
            raise ValueError("template calls need the channel's WhatsApp Business Account id")
        return self.waba_id


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    token: str
    # A call that may deliver a message to a person: never repeated unless Meta said it did not run.
    sends: bool = False
    json: Any = None
    params: dict[str, str] | None = None
    body: Callable[[], Any] | None = None
    headers: dict[str, str] | None = None
    auth_scheme: str = "Bearer"
    timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT
    raw: bool = False
    # Redirects followed (the token is dropped when one leaves the origin); 0: none.
    redirects: int = 0


class GraphClient:
    """Cloud API calls over a shared aiohttp session, against `base_url`/`version`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        version: str,
        *,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        max_attempts: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 4.0,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._jitter = jitter

    def _url(self, *parts: str) -> str:
        return "/".join([self.base_url, self.version, *(quote(p, safe=":") for p in parts)])

    async def send_message(self, channel: Channel, payload: dict[str, Any]) -> str:
        """POST /{phone-number-id}/messages; returns the wamid (`messages[0].id`)."""
        call = _Call(
            "POST",
            self._url(channel.phone_number_id, "messages"),
            channel.access_token,
            sends=True,
            json=payload,
            timeout=self.timeout,
        )
        body = await self._request(call)
        try:
            return str(body["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise TransportError("WhatsApp answered a send without a message id") from None

    async def mark_read(self, channel: Channel, payload: dict[str, Any]) -> None:
        """POST /{phone-number-id}/messages with a read receipt (`status: read`)."""
        call = _Call(
            "POST",
            self._url(channel.phone_number_id, "messages"),
            channel.access_token,
            json=payload,
            timeout=self.timeout,
        )
        await self._request(call)

    async def upload_media(
        self, channel: Channel, data: bytes, mime_type: str, filename: str
    ) -> str:
        """POST /{phone-number-id}/media (multipart); returns the media id."""

        def form() -> aiohttp.FormData:
            fd = aiohttp.FormData()
            fd.add_field("messaging_product", "whatsapp")
            fd.add_field("type", mime_type)
            fd.add_field("file", data, filename=filename, content_type=mime_type)
            return fd

        call = _Call(
            "POST",
            self._url(channel.phone_number_id, "media"),
            channel.access_token,
            body=form,
            timeout=UPLOAD_TIMEOUT,
        )
        return str((await self._request(call))["id"])

    async def media_info(self, channel: Channel, media_id: str) -> dict[str, Any]:
        """GET /{media-id}: `url` (valid 5 minutes), `mime_type`, `sha256`, `file_size`."""
        call = _Call(
            "GET",
            self._url(media_id),
            channel.access_token,
            params={"phone_number_id": channel.phone_number_id},
            timeout=self.timeout,
        )
        return _object(await self._request(call))

    async def download_media(self, channel: Channel, url: str) -> bytes:
        """GET a media URL from `media_info`, with the bearer token; returns the bytes.

        Follows at most MEDIA_REDIRECTS redirects; any final answer but a 2xx is a
        TransportError, so an error page or a redirect is never taken for the file.
        """
        call = _Call(
            "GET",
            url,
            channel.access_token,
            timeout=UPLOAD_TIMEOUT,
            raw=True,
            redirects=MEDIA_REDIRECTS,
        )
        body = await self._request(call)
        assert isinstance(body, bytes)
        if not body:
            raise TransportError("the media URL answered without content")
        return body

    async def phone_number_fields(self, channel: Channel, fields: str) -> dict[str, Any]:
        """GET /{phone-number-id}?fields=...: e.g. `throughput` ({"level": "STANDARD"}),
        `whatsapp_business_manager_messaging_limit` ("TIER_2K"), `quality_rating`."""
        call = _Call(
            "GET",
            self._url(channel.phone_number_id),
            channel.access_token,
            params={"fields": fields},
            timeout=self.timeout,
        )
        return _object(await self._request(call))

    async def create_template(self, channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
        """POST /{waba-id}/message_templates; Meta's answer: `id`, `status`, `category`."""
        call = _Call(
            "POST",
            self._url(channel.waba(), "message_templates"),
            channel.access_token,
            json=body,
            timeout=self.timeout,
        )
        return _object(await self._request(call))

    async def edit_template(
        self, channel: Channel, template_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """POST /{template-id} with `components` and/or `category`; Meta re-reviews it."""
        call = _Call(
            "POST", self._url(template_id), channel.access_token, json=body, timeout=self.timeout
        )
        return _object(await self._request(call))

    async def delete_template(
        self, channel: Channel, name: str, *, hsm_id: str | None = None
    ) -> dict[str, Any]:
        """DELETE /{waba-id}/message_templates?name=: every language of `name`, or with
        `hsm_id` only that template."""
        params = {"name": name}
        if hsm_id:
            params["hsm_id"] = hsm_id
        call = _Call(
            "DELETE",
            self._url(channel.waba(), "message_templates"),
            channel.access_token,
            params=params,
            timeout=self.timeout,
        )
        return _object(await self._request(call))

    async def list_templates(
        self, channel: Channel, *, after: str | None = None, limit: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of GET /{waba-id}/message_templates: (templates, next cursor or None)."""
        params = {
            "fields": "id,name,status,category,language,components,parameter_format,"
            "rejected_reason,quality_score",
            "limit": str(limit),
        }
        if after:
            params["after"] = after
        call = _Call(
            "GET",
            self._url(channel.waba(), "message_templates"),
            channel.access_token,
            params=params,
            timeout=self.timeout,
        )
        body = await self._request(call)
        paging = body.get("paging") or {}
        cursor = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return list(body.get("data") or []), cursor

    async def upload_header_sample(
        self, app_id: str, channel: Channel, data: bytes, mime_type: str, filename: str
    ) -> str:
        """Meta's resumable upload (/{app-id}/uploads, then /upload:{id}); returns handle `h`."""
        start = _Call(
            "POST",
            self._url(app_id, "uploads"),
            channel.access_token,
            params={"file_name": filename, "file_length": str(len(data)), "file_type": mime_type},
            timeout=self.timeout,
        )
        session_id = str((await self._request(start))["id"])
        upload = _Call(
            "POST",
            self._url(session_id),
            channel.access_token,
            body=lambda: data,
            headers={"file_offset": "0", "Content-Type": "application/octet-stream"},
            auth_scheme="OAuth",  # Meta documents "OAuth <token>" for the upload session.
            timeout=UPLOAD_TIMEOUT,
        )
        return str((await self._request(upload))["h"])

    async def _request(self, call: _Call) -> Any:
        """Run `call`, retrying with backoff only where a repeat cannot duplicate a send."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(call)
            except WhatsAppError as exc:
                metrics.count_meta_error(_code_label(exc))
                if attempt >= self.max_attempts or not self._retryable(call, exc):
                    raise
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                delay *= 0.5 + self._jitter() / 2  # jitter: spread out clients retrying together
                log.warning(
                    "graph %s %s failed (code %s), retry %d in %.2fs",
                    call.method,
                    _path(call.url),
                    exc.code,
                    attempt,
                    delay,
                )
                await self._sleep(delay)

    def _retryable(self, call: _Call, exc: WhatsAppError) -> bool:
        if isinstance(exc, TransportError):
            if 300 <= exc.http_status < 500:
                return False  # a redirect or a plain 4xx (no Graph body) will not change
            # Refused before sending: safe for anything. Otherwise only reads may be repeated.
            return not exc.request_sent or call.method == "GET"
        if exc.code in SAFE_RETRY_CODES:
            return True
        return exc.code in NON_SEND_RETRY_CODES and not call.sends

    async def _once(self, call: _Call) -> Any:
        headers = {"Authorization": f"{call.auth_scheme} {call.token}", **(call.headers or {})}
        what = f"{call.method} {_path(call.url)}"
        try:
            async with self.session.request(
                call.method,
                call.url,
                json=call.json,
                data=call.body() if call.body else None,
                params=call.params,
                headers=headers,
                timeout=call.timeout,
                allow_redirects=call.redirects > 0,
                # aiohttp refuses the hop that reaches max_redirects: allow `redirects` hops.
                max_redirects=call.redirects + 1,
            ) as resp:
                raw = await resp.read()
                status = resp.status
                content_type = resp.content_type
                retry_after = _seconds(resp.headers.get("Retry-After"))
        except aiohttp.ClientConnectorError:
            # The TCP connection was never made, so Meta never saw the request.
            raise TransportError(f"{what}: connection failed", request_sent=False) from None
        except TimeoutError:
            raise TransportError(f"{what}: timed out") from None
        except aiohttp.TooManyRedirects as exc:
            # The last hop's 3xx: a redirect loop does not end on a retry.
            last = exc.history[-1].status if exc.history else 302
            raise TransportError(f"{what}: too many redirects", http_status=last) from None
        except aiohttp.ClientError as exc:
            raise TransportError(f"{what}: {type(exc).__name__}") from None
        if 300 <= status < 400:
            # A redirect not followed (or not followable: no Location) is not the answer.
            raise TransportError(f"{what}: HTTP {status}", http_status=status)
        if status < 400:
            if call.raw:
                return raw
            try:
                return _json(raw)
            except ValueError:
                raise TransportError(f"{what}: answer is not JSON", http_status=status) from None
        body: Any = None
        if "json" in content_type or raw[:1] == b"{":
            try:
                body = _json(raw)
            except ValueError:
                body = None
        error = from_graph(body, status, retry_after=retry_after)
        if error is not None:
            log.info("graph %s failed: code %s status %s", what, error.code, status)
            raise error
        if status == 429:
            # A bare 429 (a proxy, or an older Graph table) is still a rate limit, not an outage.
            raise RateLimited(
                -1, "Too many requests", http_status=429, is_transient=True, retry_after=retry_after
            )
        raise TransportError(f"{what}: HTTP {status}", http_status=status)


def _object(body: Any) -> dict[str, Any]:
    """A Graph answer that must be a JSON object."""
    if not isinstance(body, dict):
        raise TransportError("WhatsApp answered with something other than a JSON object")
    return body


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None


def _code_label(exc: WhatsAppError) -> str:
    """Meta's code; `transport` (no usable answer) or `http_<status>` when Meta gave none."""
    if isinstance(exc, TransportError):
        return "transport"
    return str(exc.code) if exc.code >= 0 else f"http_{exc.http_status}"


def _path(url: str) -> str:
    """The URL without its query: queries may carry signed media hashes."""
    return url.split("?", 1)[0]


def _seconds(raw: str | None) -> float | None:
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None
