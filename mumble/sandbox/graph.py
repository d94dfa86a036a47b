"""The Graph API endpoints the adapter uses, answering like Meta (shapes, ids, error codes)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import mumble.sandbox.media as media
import mumble.sandbox.templates as tpl
import templates_meta
from mumble.sandbox.http import error, json_body, sandbox_of
from mumble.sandbox.state import SentMessage, new_wamid
from mumble.whatsapp.payloads import send_success


async def _guard(request: Request, target: str) -> Response | None:
    """Log the call, check the token, then apply any injected fault."""
    sb = sandbox_of(request)
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    sb.state.requests.append(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "authorization": auth,
            "content_type": request.headers.get("content-type", ""),
            "target": target,
        }
    )
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return error(190, details="Missing or malformed access token")
    fault = sb.state.take_fault(target)
    if fault is None:
        return None
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.early_statuses is not None:
        # Read by _send once the wamid exists: no refusal, the statuses just come first.
        request.state.early_statuses = list(fault.early_statuses)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if fault.error_code is not None:
        return error(
            fault.error_code,
            status=fault.http_status,
            subcode=fault.error_subcode,
            message=fault.error_message,
            headers=headers,
        )
    if fault.http_status is not None:
        text = "Too Many Requests" if fault.http_status == 429 else "Internal Server Error"
        return Response(text, status_code=fault.http_status, headers=headers)
    return None


async def post_edge(request: Request) -> Response:
    """POST /{version}/{node}/{edge}: messages, media, message_templates, uploads."""
    edge = request.path_params["edge"]
    handler = _POST_EDGES.get(edge)
    if handler is None:
        return error(100, details=f"Unknown path components: /{edge}")
    refusal = await _guard(request, _TARGETS[edge])
    return refusal or await handler(request, request.path_params["node"])


async def get_edge(request: Request) -> Response:
    """GET /{version}/{waba-id}/message_templates."""
    if request.path_params["edge"] != "message_templates":
        return error(100, details="Unsupported get request")
    refusal = await _guard(request, "templates")
    return refusal or tpl.list_templates(request, request.path_params["node"])


async def node(request: Request) -> Response:
    """GET /{version}/{media-id} (media info) and POST /{version}/upload:{session}."""
    target = "uploads" if request.method == "POST" else "media"
    refusal = await _guard(request, target)
    if refusal:
        return refusal
    node_id = request.path_params["node"]
    if request.method == "POST":
        return await tpl.finish_upload(request, node_id)
    return media.info(request, node_id)


async def _send(request: Request, phone_number_id: str) -> Response:
    sb = sandbox_of(request)
    body = await json_body(request)
    if body is None:
        return error(100, details="The request body is not valid JSON")
    if body.get("messaging_product") != "whatsapp":
        return error(100, details="messaging_product is required and must be whatsapp")
    to = str(body.get("to") or body.get("recipient") or "")
    kind = str(body.get("type") or "text")
    if not to:
        return error(131008, message="Required parameter is missing", details="to is required")
    if not isinstance(body.get(kind), dict):
        return error(
            131008, message="Required parameter is missing", details=f"{kind} object is required"
        )
    wa_id = "".join(ch for ch in to if ch.isdigit()) or to
    now = sb.clock.now()
    category = "service"
    if kind == "template":
        refusal, category = tpl.check_send(sb, phone_number_id, body["template"])
        if refusal:
            return refusal
    elif sb.config.enforce_window and not sb.state.window_open(phone_number_id, wa_id, now):
        return error(
            131047,
            details="More than 24 hours have passed since the recipient last "
            "replied to the sender number.",
        )
    media_id = body[kind].get("id") if kind in templates_meta.load().media else None
    if media_id is not None and media_id not in sb.state.media:
        return error(
            131053, message="Media upload error", details=f"Media id {media_id} was not found"
        )
    message = SentMessage(
        id=new_wamid(wa_id),
        phone_number_id=phone_number_id,
        to=to,
        type=kind,
        payload=body,
        authorization=request.headers.get("authorization", ""),
        timestamp=int(now.timestamp()),
    )
    sb.state.messages.append(message)
    early: list[str] = getattr(request.state, "early_statuses", None) or []
    if early:
        # The race Meta really has: status webhooks reach the business before the send's answer.
        await sb.deliver_statuses(message, early, category=category, gap=0)
    later = [s for s in sb.config.auto_statuses if s not in early]
    sb.schedule_statuses(message, category, later)
    return JSONResponse(send_success(to, wa_id, message.id))


async def _start_upload(request: Request, app_id: str) -> Response:
    query = request.query_params
    try:
        length = int(query.get("file_length", ""))
    except ValueError:
        return error(100, details="file_length is required and must be an integer")
    file_type = query.get("file_type", "application/octet-stream")
    if templates_meta.load().media_format(file_type) is None:
        return media.unsupported_type(file_type)
    session = tpl.start_upload(
        sandbox_of(request), query.get("file_name", "file"), length, file_type
    )
    return JSONResponse({"id": session})


_POST_EDGES = {
    "messages": _send,
    "media": media.upload,
    "message_templates": tpl.create_template,
    "uploads": _start_upload,
}
_TARGETS = {
    "messages": "messages",
    "media": "media",
    "message_templates": "templates",
    "uploads": "uploads",
}
