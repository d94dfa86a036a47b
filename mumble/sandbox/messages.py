"""POST /{phone-number-id}/messages: sends, read receipts and typing indicators, like Meta.

Send shapes: developers.facebook.com/documentation/business-messaging/whatsapp/messages/
send-messages; read receipts: .../messages/mark-message-as-read; typing: .../typing-indicators.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import mumble.sandbox.templates as tpl
import templates_meta
from mumble.sandbox.checks import message_problem
from mumble.sandbox.core import SandboxCore
from mumble.sandbox.http import error, json_body, sandbox_of
from mumble.sandbox.state import SentMessage, User, new_wamid
from mumble.whatsapp.payloads import send_success

# Types whose object is a list at Meta; every other type's object is a JSON object.
_LIST_TYPES = frozenset({"contacts"})
_WINDOW_CLOSED = (
    "More than 24 hours have passed since the recipient last replied to the sender number."
)


def _missing(details: str) -> Response:
    return error(131008, details=details)


async def post(request: Request, phone_number_id: str) -> Response:
    """A send, or (with `status: read`) a read receipt, optionally with a typing indicator."""
    sb = sandbox_of(request)
    body = await json_body(request)
    if body is None:
        return error(100, details="The request body is not valid JSON")
    if body.get("messaging_product") != "whatsapp":
        return error(100, details="messaging_product is required and must be whatsapp")
    if "status" in body:
        return _mark_read(sb, body)
    return await _send(request, sb, phone_number_id, body)


def _mark_read(sb: SandboxCore, body: dict[str, Any]) -> Response:
    """{"status": "read", "message_id": wamid, "typing_indicator"?: {"type": "text"}}."""
    if body.get("status") != "read":
        return error(100, details="status must be read")
    if not isinstance(body.get("message_id"), str) or not body["message_id"]:
        return _missing("message_id is required")
    indicator = body.get("typing_indicator")
    if indicator is not None and (
        not isinstance(indicator, dict) or indicator.get("type") != "text"
    ):
        return error(100, details="typing_indicator.type must be text")
    sb.state.read_receipts.append(body)
    return JSONResponse({"success": True})


def _recipient(sb: SandboxCore, body: dict[str, Any]) -> tuple[str, User | None] | None:
    """The address as given (`to` phone, or `recipient` BSUID) and the user when known."""
    if body.get("to"):
        to = str(body["to"])
        wa_id = "".join(ch for ch in to if ch.isdigit()) or to
        return to, sb.state.user(wa_id=wa_id, create=sb.config.user_ids)
    if body.get("recipient"):
        user_id = str(body["recipient"])
        return user_id, sb.state.user(user_id=user_id)
    return None


def _identity(body: dict[str, Any], to: str) -> str:
    return "".join(ch for ch in to if ch.isdigit()) or to if body.get("to") else to


async def _send(
    request: Request, sb: SandboxCore, phone_number_id: str, body: dict[str, Any]
) -> Response:
    found = _recipient(sb, body)
    if found is None:
        return _missing("to or recipient is required")
    to, user = found
    kind = str(body.get("type") or "text")
    expected = list if kind in _LIST_TYPES else dict
    if not isinstance(body.get(kind), expected):
        return _missing(f"{kind} object is required")
    problem = message_problem(kind, body)
    if problem is not None:
        return error(problem[0], details=problem[1])
    now = sb.clock.now()
    category = "service"
    if kind == "template":
        refusal, category = tpl.check_send(sb, phone_number_id, body["template"])
        if refusal:
            return refusal
    elif sb.config.enforce_window and not sb.state.window_open(
        phone_number_id, _identity(body, to), now
    ):
        return error(131047, details=_WINDOW_CLOSED)
    media_id = body[kind].get("id") if kind in templates_meta.load().media else None
    if media_id is not None and media_id not in sb.state.media:
        return error(131053, details=f"Media id {media_id} was not found")
    message = SentMessage(
        id=new_wamid(_identity(body, to)),
        phone_number_id=phone_number_id,
        to=to,
        type=kind,
        payload=body,
        authorization=request.headers.get("authorization", ""),
        timestamp=int(now.timestamp()),
        user=user,
    )
    sb.state.add_message(message)
    early: list[str] = getattr(request.state, "early_statuses", None) or []
    if early:
        # The race Meta really has: status webhooks reach the business before the send's answer.
        await sb.deliver_statuses(message, early, category=category, gap=0)
    later = [s for s in sb.config.auto_statuses if s not in early]
    sb.schedule_statuses(message, category, later)
    wa_id = message.wa_id or (user.wa_id if user else None)
    shown = user.user_id if user and (sb.config.user_ids or not message.wa_id) else None
    return JSONResponse(send_success(to, wa_id, message.id, user_id=shown))
