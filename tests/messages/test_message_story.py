"""A message's whole story: when each status happened, why it failed, and finding a failed send
by our id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Message
from tests.access import key_with_permissions
from tests.api import Caller, body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault, send_text

NOON = "2026-06-29T12:00:00Z"
FAILED_TEXT = "Failed to send text message."


async def _message(client: httpx.AsyncClient, tenant: Caller, **query: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(await get(client, tenant, "get-message", **query))["message"]
    return found


async def test_each_status_time_is_shown_in_rfc3339_utc(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await sandbox.control.post("/_sandbox/config", json={"auto_statuses": []})
    sent = ok(await send_text(client, tenant, "Hello"))
    message = await _message(client, tenant, message_wa_id=sent["message_wa_id"])
    assert message["sent_at"] == NOON
    assert (message["delivered_at"], message["read_at"], message["failed_at"]) == (None,) * 3
    assert message["error"] is None
    clock.advance(minutes=2)
    await sandbox.control.post(
        "/_sandbox/statuses", json={"id": sent["message_wa_id"], "status": "delivered"}
    )
    clock.advance(seconds=30)
    await sandbox.control.post(
        "/_sandbox/statuses", json={"id": sent["message_wa_id"], "status": "read"}
    )
    message = await _message(client, tenant, id=sent["id"])
    assert message["status"] == "read"
    assert message["sent_at"] == NOON
    assert message["delivered_at"] == "2026-06-29T12:02:00Z"
    assert message["read_at"] == "2026-06-29T12:02:30Z"
    assert message["failed_at"] is None
    # The conversation shows the same object.
    listed = ok(await get(client, tenant, "get-conversation", customer_phone=PHONE))["messages"]
    assert next(m for m in listed if m["id"] == sent["id"])["read_at"] == "2026-06-29T12:02:30Z"


@pytest.mark.parametrize(
    ("code", "title", "hint"),
    [
        (131026, "Message undeliverable", "cannot receive"),
        (131049, "ecosystem engagement", "limit on marketing"),
        (131050, "stop receiving marketing", "stopped marketing"),
        (131047, "Re-engagement message", "send a template"),
    ],
)
async def test_a_failed_status_shows_metas_code_title_and_a_hint(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    clock: FrozenClock,
    code: int,
    title: str,
    hint: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await sandbox.control.post("/_sandbox/config", json={"auto_statuses": ["sent"]})
    sent = ok(await send_text(client, tenant, "Hello"))
    clock.advance(minutes=1)
    failed = await sandbox.control.post(
        "/_sandbox/statuses",
        json={"id": sent["message_wa_id"], "status": "failed", "error_code": code},
    )
    assert failed.status_code == 200, failed.text
    message = await _message(client, tenant, message_wa_id=sent["message_wa_id"])
    assert message["status"] == "failed"
    assert message["failed_at"] == "2026-06-29T12:01:00Z"
    error = message["error"]
    assert error["code"] == code
    assert title in error["title"]
    assert hint in error["hint"]


async def test_an_unknown_failure_code_has_metas_text_and_no_hint(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = ok(await send_text(client, tenant, "Hello"))
    await sandbox.control.post(
        "/_sandbox/statuses",
        json={
            "id": sent["message_wa_id"],
            "status": "failed",
            "error_code": 135000,
            "error_title": "Generic user error",
        },
    )
    error = (await _message(client, tenant, id=sent["id"]))["error"]
    assert error == {
        "code": 135000,
        "message": "Generic user error",
        "title": "Generic user error",
        "hint": None,
    }


async def test_a_send_refused_by_meta_answers_its_id_and_get_message_finds_it(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131026, count=1)
    refused = await send_text(client, tenant, "Hello")
    assert refused.status_code == 400
    answer = body(refused)
    assert answer["error"] is True
    assert answer["message"] == FAILED_TEXT
    stored = await Message.get(account_id=tenant.account.id, direction="outbound")
    assert answer["id"] == stored.id
    message = await _message(client, tenant, id=answer["id"])
    assert message["status"] == "failed"
    assert message["message_wa_id"] is None
    assert message["failed_at"] == NOON
    assert message["sent_at"] is None
    assert message["error"]["code"] == 131026
    assert message["error"]["title"] == "Message undeliverable"
    assert "cannot receive" in message["error"]["hint"]


async def test_a_window_refusal_from_meta_carries_the_id_too(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131047, count=1)
    refused = await send_text(client, tenant, "Hello")
    assert refused.status_code == 400
    answer = body(refused)
    assert answer["message"] == "Conversation is closed (send a template instead)"
    message = await _message(client, tenant, id=answer["id"])
    assert "send a template" in message["error"]["hint"]


async def test_a_replayed_failed_send_carries_the_same_id(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131026, count=1)
    headers = {**tenant.headers, "Idempotency-Key": "story-1"}
    request = {"customer_phone": PHONE, "text": "Hello"}
    first = await client.post("/mumbleapi/send-text-message", json=request, headers=headers)
    again = await client.post("/mumbleapi/send-text-message", json=request, headers=headers)
    assert first.status_code == again.status_code == 400
    assert body(again)["id"] == body(first)["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_get_message_by_id_refuses_bad_ids_and_other_accounts(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = ok(await send_text(client, tenant, "Hello"))
    for query in ({}, {"message_wa_id": ""}, {"id": ""}):
        missing = await get(client, tenant, "get-message", query)
        assert missing.status_code == 400, query
        assert body(missing) == {"error": True, "message": "Message WhatsApp Id is required"}
    for bad in ("abc", "0", "-1", "1.5", "9" * 30):
        refused = await get(client, tenant, "get-message", id=bad)
        assert refused.status_code == 400, bad
        assert body(refused)["error"] is True
    for query in (
        {"id": sent["id"] + 1000},
        {"id": sent["id"], "message_wa_id": "wamid.other"},
    ):
        unknown = await get(client, tenant, "get-message", query)
        assert unknown.status_code == 404, query
        assert body(unknown) == {"error": True, "message": "Message not found"}
    both = await _message(client, tenant, id=sent["id"], message_wa_id=sent["message_wa_id"])
    assert both["id"] == sent["id"]
    theirs = await get(client, other_tenant, "get-message", id=sent["id"])
    assert theirs.status_code == 404


async def test_a_read_only_key_reads_the_story(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = ok(await send_text(client, tenant, "Hello"))
    reader = await key_with_permissions(
        tenant.account, "reader", ["messages:read", "conversations:read"]
    )
    assert (await _message(client, reader, id=sent["id"]))["sent_at"] == NOON
    active = ok(await get(client, reader, "is-active-conv", customer_phone=PHONE))
    assert active["expires_at"] == "2026-06-30T12:00:00Z"
    refused = await post(client, reader, "send-text-message", customer_phone=PHONE, text="x")
    assert refused.status_code == 401
    other = await key_with_permissions(tenant.account, "labels", ["labels:read"])
    denied = await get(client, other, "get-message", id=sent["id"])
    assert denied.status_code == 401
    assert body(denied) == {"error": True, "message": "User not authorized to read messages."}
