"""The sandbox's control API under /_sandbox/: simulate customers, drive templates, inject faults.

Answers plain JSON (not Meta's shapes); a bad control request is 400 `{"error": "..."}`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import mumble.sandbox.capacity as capacity
from mumble.sandbox.core import STATUSES, SandboxCore
from mumble.sandbox.http import TITLES, sandbox_of
from mumble.sandbox.inbound import MESSAGE_TYPES, build_message
from mumble.sandbox.media import store_media
from mumble.sandbox.state import ChannelInfo, Fault, Template, new_numeric_id
from mumble.sandbox.templates import check_components
from mumble.whatsapp.payloads import messages_value, webhook_envelope, webhook_error

_EARLY_STATUSES = ("sent", "delivered", "read")  # a tuple: `in` must not hash JSON values


class _Bad(Exception):
    pass


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _Bad("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _Bad("body must be a JSON object")
    return body


def _required(body: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if not body.get(n)]
    if missing:
        raise _Bad(f"missing: {', '.join(missing)}")


def _handler(fn: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await fn(request, sandbox_of(request)))
        except (_Bad, capacity.BadControl) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def _with_body(fn: Any) -> Any:
    """A handler of the JSON body alone (mumble.sandbox.capacity's)."""

    async def handle(request: Request, sb: SandboxCore) -> Any:
        return await fn(await _body(request), sb)

    return _handler(handle)


async def health(request: Request, sb: SandboxCore) -> dict[str, Any]:
    return {"ok": True, "webhook_url": sb.sender.url}


async def reset(request: Request, sb: SandboxCore) -> dict[str, Any]:
    sb.state.reset()
    return {"ok": True}


async def config(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """GET shows, POST changes: webhook_url, app_secret, review_delay, status_delay, ..."""
    if request.method == "POST":
        body = await _body(request)
        if "webhook_url" in body:
            sb.sender.url = str(body.pop("webhook_url") or "")
        if "app_secret" in body:
            sb.sender.app_secret = str(body.pop("app_secret") or "")
        if "auto_statuses" in body:
            body["auto_statuses"] = tuple(body["auto_statuses"] or ())
            if any(s not in STATUSES[:-1] for s in body["auto_statuses"]):
                raise _Bad("auto_statuses must list some of: sent, delivered, read, played")
        try:
            sb.config = dataclasses.replace(sb.config, **body)
        except TypeError as exc:
            raise _Bad(str(exc)) from None
    return dataclasses.asdict(sb.config) | {"webhook_url": sb.sender.url}


async def channels(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Register a number: its WABA and display number appear in webhooks and template lookups."""
    body = await _body(request)
    _required(body, "phone_number_id", "waba_id")
    info = ChannelInfo(
        str(body["phone_number_id"]),
        str(body["waba_id"]),
        str(body.get("display_phone_number") or "15550000000"),
    )
    sb.state.channels[info.phone_number_id] = info
    return dataclasses.asdict(info)


async def inbound(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Simulate a customer writing in; the webhook is delivered before this answers."""
    body = await _body(request)
    _required(body, "phone_number_id")
    if body.get("type", "text") not in MESSAGE_TYPES:
        raise _Bad(f"type must be one of: {', '.join(MESSAGE_TYPES)}")
    if body.get("content"):
        try:
            body["content_bytes"] = base64.b64decode(body["content"], validate=True)
        except (binascii.Error, ValueError):
            raise _Bad("content must be base64") from None
    now = sb.clock.now()
    timestamp = int(body.get("timestamp") or now.timestamp())
    contact, message = build_message(sb.state, body, timestamp, user_ids=sb.config.user_ids)
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    # The window opens for the user under each identity a send may address: phone and BSUID.
    for identity in (message.get("from"), message.get("from_user_id")):
        if identity:
            sb.state.last_inbound[(str(body["phone_number_id"]), identity)] = when
    channel = sb.state.channel(str(body["phone_number_id"]))
    value = messages_value(
        channel.phone_number_id,
        channel.display_phone_number,
        contacts=[contact],
        messages=[message],
    )
    envelope = webhook_envelope(channel.waba_id or "0", "messages", value)
    results = await sb.sender.deliver_all([envelope])
    return {"id": message["id"], "delivery": results, "envelope": envelope}


async def user_preferences(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """The user stops (`value: stop`) or resumes marketing messages: Meta's `user_preferences`
    webhook (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
    reference/user_preferences)."""
    body = await _body(request)
    _required(body, "phone_number_id", "wa_id", "value")
    if body["value"] not in ("stop", "resume"):
        raise _Bad("value must be stop or resume")
    channel = sb.state.channel(str(body["phone_number_id"]))
    wa_id = str(body["wa_id"]).lstrip("+")
    value = messages_value(channel.phone_number_id, channel.display_phone_number)
    value["contacts"] = [{"profile": {"name": str(body.get("name") or "")}, "wa_id": wa_id}]
    value["user_preferences"] = [
        {
            "wa_id": wa_id,
            "detail": "User requested to stop marketing messages"
            if body["value"] == "stop"
            else "User requested to resume marketing messages",
            "category": str(body.get("category") or "marketing_messages"),
            "value": body["value"],
            "timestamp": int(sb.clock.now().timestamp()),
        }
    ]
    envelope = webhook_envelope(channel.waba_id or "0", "user_preferences", value)
    return {"delivery": await sb.sender.deliver_all([envelope]), "envelope": envelope}


async def windows(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Open (or with `close: true` close) a customer's 24-hour window without a webhook."""
    body = await _body(request)
    _required(body, "phone_number_id")
    if not body.get("wa_id") and not body.get("user_id"):
        raise _Bad("missing: wa_id or user_id")
    key = (str(body["phone_number_id"]), str(body.get("wa_id") or body["user_id"]).lstrip("+"))
    if body.get("close"):
        sb.state.last_inbound.pop(key, None)
    else:
        sb.state.last_inbound[key] = sb.clock.now()
    return {"open": sb.state.window_open(*key, sb.clock.now())}


async def messages(request: Request, sb: SandboxCore) -> dict[str, Any]:
    query = request.query_params
    items = [
        m.view()
        for m in sb.state.messages
        if query.get("phone_number_id", m.phone_number_id) == m.phone_number_id
        and query.get("to", m.to).lstrip("+") == m.to.lstrip("+")
    ]
    return {"data": items}


def _masked(authorization: str) -> str:
    """A bearer token as the log shows it: the scheme and the last four characters only."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return authorization
    return f"{scheme} ***{token[-4:]}" if len(token) >= 12 else f"{scheme} ***"


async def requests_log(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """The Graph calls received, oldest first, with bearer tokens masked."""
    return {"data": [r | {"authorization": _masked(r["authorization"])} for r in sb.state.requests]}


async def webhooks_log(request: Request, sb: SandboxCore) -> dict[str, Any]:
    return {"data": sb.state.webhooks}


async def flush(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Wait until every background webhook (statuses, reviews) has been delivered."""
    await sb.sender.flush()
    return {"ok": True}


async def statuses(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Emit a status webhook for a sent message, e.g. `failed` with an error code."""
    body = await _body(request)
    _required(body, "id", "status")
    message = sb.state.messages_by_id.get(str(body["id"]))
    if message is None:
        raise _Bad(f"no sent message {body['id']}")
    errors = []
    if body["status"] == "failed":
        code = int(body.get("error_code") or 131000)
        title = str(body.get("error_title") or TITLES.get(code, "Something went wrong"))
        errors.append(webhook_error(code, title, str(body.get("error_details") or title)))
    results = await sb.deliver_statuses(message, [str(body["status"])], errors=errors, gap=0)
    return {"delivery": results}


async def _template(sb: SandboxCore, template_id: str) -> Template:
    """By the sandbox's (Meta's) id, or by an id the embedding app maps to it."""
    template = sb.state.templates.get(template_id)
    if template is None and sb.template_alias is not None:
        meta_id = await sb.template_alias(template_id)
        template = sb.state.templates.get(meta_id) if meta_id else None
    if template is None:
        raise _Bad(f"no template {template_id}")
    return template


async def templates(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """GET lists all; POST seeds one directly (default APPROVED, no webhook)."""
    if request.method == "POST":
        body = await _body(request)
        _required(body, "waba_id", "name", "language", "components")
        template = Template(
            id=new_numeric_id(),
            waba_id=str(body["waba_id"]),
            name=str(body["name"]),
            language=str(body["language"]),
            category=str(body.get("category", "UTILITY")).upper(),
            components=list(body["components"]),
            status=str(body.get("status", "APPROVED")),
            parameter_format=str(body.get("parameter_format") or "POSITIONAL").upper(),
        )
        template.problems = check_components(template)
        sb.state.templates[template.id] = template
        return template.view()
    return {"data": [t.view() | {"waba_id": t.waba_id} for t in sb.state.templates.values()]}


async def template_status(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Set APPROVED, REJECTED (with `reason`), PAUSED, DISABLED, ... and emit the webhook."""
    template = await _template(sb, request.path_params["template_id"])
    body = await _body(request)
    _required(body, "status")
    status = str(body["status"]).upper()
    result = await sb.set_template_status(
        template, status, reason=body.get("reason"), info=body.get("info")
    )
    return template.view() | {"delivery": result}


async def template_review(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Review now by the rulebook: APPROVED, or REJECTED with the broken rules."""
    template = await _template(sb, request.path_params["template_id"])
    result = await sb.review(template)
    return template.view() | {"problems": template.problems, "delivery": result}


async def faults(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """POST adds a fault, DELETE clears all, GET lists them."""
    if request.method == "POST":
        try:
            fault = Fault(**await _body(request))
        except TypeError as exc:
            raise _Bad(str(exc)) from None
        early = fault.early_statuses
        if early is not None and (
            not isinstance(early, list) or not early or any(s not in _EARLY_STATUSES for s in early)
        ):
            raise _Bad("early_statuses must be a non-empty list of: sent, delivered, read")
        sb.state.faults.append(fault)
    elif request.method == "DELETE":
        sb.state.faults.clear()
    return {"data": [dataclasses.asdict(f) for f in sb.state.faults]}


async def media(request: Request, sb: SandboxCore) -> dict[str, Any]:
    """Store a file as if a customer had sent it; answers its media id."""
    body = await _body(request)
    _required(body, "content", "mime_type")
    try:
        data = base64.b64decode(body["content"], validate=True)
    except (binascii.Error, ValueError):
        raise _Bad("content must be base64") from None
    item = store_media(sb.state, data, str(body["mime_type"]), body.get("filename"))
    return {"id": item.id, "sha256": item.sha256, "file_size": len(data)}


routes = [
    Route("/health", _handler(health), methods=["GET"]),
    Route("/reset", _handler(reset), methods=["POST"]),
    Route("/config", _handler(config), methods=["GET", "POST"]),
    Route("/channels", _handler(channels), methods=["POST"]),
    Route("/inbound", _handler(inbound), methods=["POST"]),
    Route("/windows", _handler(windows), methods=["POST"]),
    Route("/user-preferences", _handler(user_preferences), methods=["POST"]),
    Route("/messages", _handler(messages), methods=["GET"]),
    Route("/requests", _handler(requests_log), methods=["GET"]),
    Route("/webhooks", _handler(webhooks_log), methods=["GET"]),
    Route("/flush", _handler(flush), methods=["POST"]),
    Route("/statuses", _handler(statuses), methods=["POST"]),
    Route("/templates", _handler(templates), methods=["GET", "POST"]),
    Route("/templates/{template_id}/status", _handler(template_status), methods=["POST"]),
    Route("/templates/{template_id}/review", _handler(template_review), methods=["POST"]),
    Route("/faults", _handler(faults), methods=["GET", "POST", "DELETE"]),
    Route("/media", _handler(media), methods=["POST"]),
    *capacity.routes(_with_body),
]
