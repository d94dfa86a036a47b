"""API endpoints: each declared once as an `Endpoint`, served through the same guard.

The declaration names the permission, the parameters (`mumble.params.Param`), the refusals the
handler may raise, whether it is idempotent or sends messages, and its documentation; the route
built from it enforces the guard, reads the body, runs the Idempotency-Key protocol, and the
OpenAPI document is derived from the same object.

Guard order: per-IP limit (counts failed authentication too) -> authenticate -> IP allowlist ->
per-key limit -> messaging limit -> permission -> read the body -> handler. Nothing of the
endpoint's own work (not even reading the body) happens before the guard has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import orjson
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble import idempotency
from mumble.auth import Principal, authenticate, principal_of
from mumble.body import is_multipart, read_params
from mumble.db.errors import retrying_read
from mumble.errors import JsonResponse, MumbleError, Refusal, Unauthorized
from mumble.forms import FormReader
from mumble.network import client_ip, ip_allowed, rate_limit_identity
from mumble.observability import metrics
from mumble.openapi.schema import Schema
from mumble.params import Param
from mumble.permissions import PERMISSIONS
from mumble.ratelimit import Layer, Quota, parse_limits, tightest
from mumble.services import Services
from mumble.settings import Settings

log = logging.getLogger("mumble.endpoint")

T = TypeVar("T")
Method = Literal["GET", "POST", "DELETE"]
# What the guard itself can answer on every endpoint: a bad body (400), authentication (401),
# a body too slow (408), a body too large (413), an unreadable content type (415), a limit
# (429), the limiter's or the database's storage down (503), and a bug (500).
GUARD_STATUSES = frozenset({400, 401, 408, 413, 415, 429, 500, 503})


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data body: one file in `file_field` beside the declared parameters."""

    file_field: str = "file"
    description: str = "The file."


@dataclass(frozen=True)
class Endpoint:
    """One /mumbleapi operation: what it needs, what it reads, what it may answer."""

    method: Method
    path: str
    permission: str
    summary: str
    tag: str
    # The schema of the 200 answer.
    ok: Schema
    params: tuple[Param[Any], ...] = ()
    # Errors the handler's services may raise beyond its parameters' own 400s.
    errors: tuple[Refusal, ...] = ()
    # Completes "User not authorized to ..." (default: the permission's own wording).
    action: str | None = None
    description: str = ""
    # Adds the messaging rate limit (the send endpoints).
    messaging: bool = False
    # Runs the Idempotency-Key protocol around the handler.
    idempotent: bool = False
    # Keys beyond `params` are taken (custom fields): the schema of their values.
    extra_body: Schema | None = None
    upload: Upload | None = None
    # The media type of the 200 answer (`*/*` for a file of any type).
    ok_media: str = "application/json"
    # OpenAPI links from the 200 answer: how its values feed other operations.
    links: Mapping[str, Schema] = field(default_factory=dict)
    # A bulk endpoint: a JSON array body is this parameter's value, and the body (or the
    # uploaded file) may be up to `max_import_bytes`.
    bulk_rows: str | None = None

    def __post_init__(self) -> None:
        if self.permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {self.permission!r} for {self.path}")

    @property
    def denial(self) -> str:
        return f"User not authorized to {self.action or PERMISSIONS[self.permission]}."

    @property
    def operation_id(self) -> str:
        return self.path.strip("/").split("/")[0]

    def refusals(self) -> tuple[Refusal, ...]:
        """Every declared refusal, the Idempotency-Key protocol's included."""
        return self.errors + (idempotency.REFUSALS if self.idempotent else ())

    def answers(self) -> dict[int, tuple[str, ...]]:
        """Every status this endpoint can answer, with the contract messages quoted for it."""
        messages: dict[int, list[str]] = {status: [] for status in GUARD_STATUSES}
        for param in self.params:
            messages[400].extend(param.messages)
        for refusal in self.refusals():
            messages.setdefault(refusal.status, []).append(refusal.message)
        return {status: tuple(dict.fromkeys(found)) for status, found in sorted(messages.items())}


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, the caller, the parameters and the app's services."""

    request: Request
    principal: Principal
    params: dict[str, Any]
    services: Services
    contract: Endpoint
    upload: UploadFile | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def account_id(self) -> uuid.UUID:
        return self.principal.account_id

    def now(self) -> dt.datetime:
        return self.services.clock.now()

    @property
    def media_base_url(self) -> str:
        """The prefix of our media URLs: the configured public URL, else none (relative URLs).

        Never the request's Host header: a client could name any host, and events, which have
        no request, must show the same URL as the API."""
        return self.settings.public_base_url

    def arg(self, param: Param[T]) -> T:
        """The parameter's value, read now; only declared parameters can be read."""
        if not any(declared is param for declared in self.contract.params):
            raise RuntimeError(f"{param.name!r} is not declared for {self.contract.path}")
        return param.read(self.params)


Handler = Callable[[Call], Awaitable[dict[str, Any] | Response]]


class ApiRoute(Route):
    """A guarded route; `contract` is the declaration it was built from."""

    contract: Endpoint


def services_of(request: Request) -> Services:
    """The services the lifespan built (Starlette hands its state to every request)."""
    services: Services = request.state.services
    return services


def _response_headers(request: Request) -> dict[str, str]:
    # Read by the access middleware: the quota headers reach every response, errors included.
    headers: dict[str, str] = request.scope.setdefault("state", {}).setdefault(
        "response_headers", {}
    )
    return headers


async def _guard(request: Request, contract: Endpoint, services: Services) -> Principal:
    """Limits, authentication, allowlist and permission: the caller, or the error to answer.

    A key found in the process's key cache has all its limits counted in one pass (one round
    trip at most); otherwise the per-IP limit is counted first, so unknown keys over their
    IP's limit never reach the database.
    """
    limiter = services.limiter
    headers = _response_headers(request)
    ip = client_ip(request, services.settings.trusted_proxies)
    ip_layer: Layer = ("ip", rate_limit_identity(ip), limiter.per_ip)
    now = services.clock.now()
    cached = services.keys.cached(request)
    layers: list[Layer] = []
    ip_quota = None
    if cached is None:
        ip_quota = await limiter.check([ip_layer])
        _publish(headers, ip_quota)
        # Every endpoint's first query: a read, so one lost database connection is retried here.
        principal = await retrying_read(lambda: authenticate(request, now, services.keys))
    else:
        layers.append(ip_layer)
        try:
            principal = principal_of(cached, now)
        except Unauthorized:
            _publish(headers, await limiter.check(layers))
            raise
    request.state.principal = principal
    allowed = ip_allowed(ip, principal.allowed_networks)
    if allowed:
        await services.key_usage.touch(principal.key_id, principal.last_used_at)
        key_limits = limiter.per_key
        if principal.rate_limit is not None:
            key_limits = parse_limits(principal.rate_limit)
        layers.append(("key", str(principal.key_id), key_limits))
        if contract.messaging:
            layers.append(("messaging", str(principal.key_id), limiter.messaging))
    if layers:
        _publish(headers, tightest(ip_quota, await limiter.check(layers)))
    if not allowed:
        raise Unauthorized("API usage is blocked from this IP address")
    if contract.permission not in principal.permissions:
        raise Unauthorized(contract.denial)
    return principal


def _publish(headers: dict[str, str], quota: Quota | None) -> None:
    if quota is not None:
        headers.update(quota.headers())


async def _run(call: Call, handler: Handler, extra: bytes) -> dict[str, Any] | Response:
    """The handler, once per Idempotency-Key when the endpoint is idempotent."""
    key = idempotency.key_of(call.request.headers) if call.contract.idempotent else None
    if key is None:
        return await handler(call)

    async def operation() -> dict[str, Any]:
        result = await handler(call)
        if not isinstance(result, dict):
            raise TypeError(f"idempotent {call.contract.path} must answer a JSON object")
        return result

    print_ = idempotency.fingerprint(call.request.method, call.request.url.path, call.params, extra)
    return await idempotency.run_once(call.account_id, key, print_, call.now(), operation)


async def _file_digest(upload: UploadFile) -> bytes:
    """SHA-256 of an uploaded file, read in chunks (the file is left rewound)."""
    digest = hashlib.sha256()
    await upload.seek(0)
    while chunk := await upload.read(1024 * 1024):
        digest.update(chunk)
    await upload.seek(0)
    return f"{upload.filename}\n".encode() + digest.hexdigest().encode()


def _check_documented(contract: Endpoint, status: int) -> None:
    """Count and log an answer the document does not declare (tests fail on any)."""
    if status not in contract.answers():
        metrics.count_undocumented(contract.path, status)
        log.error("undocumented status %s answered by %s", status, contract.path)


def api_route(contract: Endpoint, handler: Handler) -> ApiRoute:
    """The guarded route of a declared endpoint."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await _serve(request)
        except MumbleError as exc:
            _check_documented(contract, exc.status)
            raise
        except HTTPException as exc:
            _check_documented(contract, exc.status_code)
            raise
        return result if isinstance(result, Response) else JsonResponse(result)

    async def _serve(request: Request) -> dict[str, Any] | Response:
        services = services_of(request)
        settings = services.settings
        principal = await _guard(request, contract, services)
        bulk = contract.bulk_rows is not None
        body_limit = settings.max_import_bytes if bulk else settings.max_body_bytes
        params = await read_params(request, body_limit, array_as=contract.bulk_rows)
        if contract.upload is None or not is_multipart(request):
            call = Call(request, principal, params, services, contract)
            if contract.method == "GET":
                # Reads are idempotent: one lost database connection is retried on a fresh one.
                return await retrying_read(lambda: _run(call, handler, b""))
            return await _run(call, handler, b"")
        reader = FormReader(
            request,
            settings.max_import_bytes if bulk else settings.max_upload_bytes,
            file_field=contract.upload.file_field,
            field_names=[param.name for param in contract.params],
        )
        async with reader as form:
            merged = {**params, **form.fields}
            call = Call(request, principal, merged, services, contract, form.file)
            extra = orjson.dumps(form.fields, option=orjson.OPT_SORT_KEYS)
            if form.file is not None and contract.idempotent:
                # The file's digest goes into the fingerprint: same key + another file is a 409.
                extra += b"\n" + await _file_digest(form.file)
            return await _run(call, handler, extra)

    route = ApiRoute(contract.path, endpoint, methods=[contract.method])
    route.contract = contract
    return route
