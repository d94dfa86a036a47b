"""Scheduled template sends: stored with send_at, listed, cancelled, sent once when due."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from mumble.models import Message, ScheduledMessage, Template
from tests.access import key_with_permissions
from tests.api import body, call, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta
from tests.templates.support import approved_template

SOON = "2026-06-29T13:00:00Z"
# A user who wrote in with a WhatsApp username: known only by this BSUID.
USER = "US.13491208655302741918"


async def _template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, **fields: Any
) -> str:
    spec = {
        "name": "reminder",
        "body": "See you at {{1}} today",
        "body_examples": ["noon"],
        **fields,
    }
    template = await approved_template(client, sandbox, tenant, **spec)
    return str(template["id"])


async def _schedule(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, send_at: str = SOON, **extra: Any
) -> httpx.Response:
    return await post(
        client,
        tenant,
        "send-template-text-variable",
        customer_phone=PHONE,
        template_id=template_id,
        variable=["noon"],
        send_at=send_at,
        **extra,
    )


async def _settled(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> list[dict[str, Any]]:
    """The scheduled sends once none is due and unsent any more (the worker polls each second)."""
    for _ in range(100):
        page = ok(await get(client, tenant, "get-scheduled-messages"))
        rows: list[dict[str, Any]] = page["scheduled_messages"]
        if not any(
            row["status"] == "sending"
            or (
                row["status"] == "scheduled"
                and dt.datetime.fromisoformat(row["send_at"]) <= clock.now()
            )
            for row in rows
        ):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError("scheduled sends did not settle")


async def test_a_scheduled_send_is_stored_listed_and_sent_once_when_due(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template_id = await _template(client, sandbox, tenant)
    answer = ok(await _schedule(client, tenant, template_id))
    assert set(answer) == {"success", "message", "id"}
    assert answer["message"] == "Template message scheduled"
    listed = ok(await get(client, tenant, "get-scheduled-messages"))
    assert listed["total"] == 1
    (row,) = listed["scheduled_messages"]
    assert (row["id"], row["status"], row["send_at"]) == (answer["id"], "scheduled", SOON)
    assert row["customer_phone"] == PHONE
    assert not await Message.exists(account_id=tenant.account.id)
    await asyncio.sleep(1.2)
    assert await sent_to_meta(sandbox, tenant) == []

    clock.advance(hours=1)
    (row,) = await _settled(client, tenant, clock)
    assert row["status"] == "sent"
    message = await Message.get(id=row["message_id"])
    assert (message.type, message.text) == ("template", "See you at noon today")
    await asyncio.sleep(1.2)
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_bad_send_at_is_a_400_and_stores_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template_id = await _template(client, sandbox, tenant)
    cases = {
        "2026-06-29T11:59:59Z": "'send_at' must be in the future",
        "2026-06-29T12:00:00Z": "'send_at' must be in the future",
        "2026-07-29T12:00:01Z": "'send_at' must be at most 30 days ahead",
        "tomorrow": "'send_at' must be an RFC 3339 time such as 2026-06-29T12:00:00Z",
    }
    for send_at, message in cases.items():
        response = await _schedule(client, tenant, template_id, send_at)
        assert response.status_code == 400, response.text
        assert body(response)["message"] == message
    clock.advance(seconds=1)  # past the messaging limit's one-second window
    response = await _schedule(client, tenant, "no-such-template")
    assert response.status_code == 404
    ok(await _schedule(client, tenant, template_id, "2026-07-29T12:00:00+00:00"))
    assert await ScheduledMessage.filter(account_id=tenant.account.id).count() == 1


async def test_a_cancelled_send_never_goes_out(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template_id = await _template(client, sandbox, tenant)
    scheduled = ok(await _schedule(client, tenant, template_id))
    cancelled = ok(await post(client, tenant, "cancel-scheduled-message", id=scheduled["id"]))
    assert cancelled == {"success": True, "message": "Scheduled message cancelled"}
    again = await post(client, tenant, "cancel-scheduled-message", id=scheduled["id"])
    assert again.status_code == 409
    assert body(again)["message"] == "Scheduled message is cancelled and cannot be cancelled"
    missing = await post(client, tenant, "cancel-scheduled-message", id="nope")
    assert (missing.status_code, body(missing)["message"]) == (404, "Scheduled message not found")
    clock.advance(hours=2)
    await asyncio.sleep(1.5)
    assert await sent_to_meta(sandbox, tenant) == []
    listed = ok(await get(client, tenant, "get-scheduled-messages", status="cancelled"))
    assert [row["id"] for row in listed["scheduled_messages"]] == [scheduled["id"]]


async def test_a_customer_who_opts_out_meanwhile_gets_no_marketing_send(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template_id = await _template(client, sandbox, tenant, category="MARKETING")
    ok(await _schedule(client, tenant, template_id))
    ok(await post(client, tenant, "add-new-customer", customer_phone=PHONE))
    ok(await post(client, tenant, "set-consent", customer_phone=PHONE, marketing="opted_out"))
    refused = await _schedule(client, tenant, template_id)
    assert body(refused)["message"] == "Customer has opted out of marketing messages"
    clock.advance(hours=1)
    (row,) = await _settled(client, tenant, clock)
    assert (row["status"], row["error"]) == (
        "failed",
        "Customer has opted out of marketing messages",
    )
    assert await sent_to_meta(sandbox, tenant) == []


async def test_another_account_neither_sees_nor_cancels_and_read_only_cannot_cancel(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template_id = await _template(client, sandbox, tenant)
    scheduled = ok(await _schedule(client, tenant, template_id))
    other = ok(await get(client, other_tenant, "get-scheduled-messages"))
    assert (other["scheduled_messages"], other["total"]) == ([], 0)
    response = await post(client, other_tenant, "cancel-scheduled-message", id=scheduled["id"])
    assert response.status_code == 404
    reader = await key_with_permissions(tenant.account, "reader", ["templates:read"])
    assert ok(await get(client, reader, "get-scheduled-messages"))["total"] == 1
    response = await post(client, reader, "cancel-scheduled-message", id=scheduled["id"])
    assert response.status_code == 401
    response = await get(client, tenant, "get-scheduled-messages", status="nope")
    assert response.status_code == 400
    stored = await ScheduledMessage.get(id=scheduled["id"])
    assert stored.status == "scheduled"


async def test_a_template_a_scheduled_send_waits_on_is_neither_deleted_nor_edited(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template_id = await _template(client, sandbox, tenant)
    scheduled = ok(await _schedule(client, tenant, template_id))

    for method, endpoint, extra in (
        ("DELETE", "delete-template", {}),
        ("POST", "edit-template", {"body": "See you at {{1}} tomorrow"}),
    ):
        action = "deleted" if method == "DELETE" else "edited"
        params = {"template_id": template_id, **extra}
        refused = await call(client, tenant, method, endpoint, params)
        assert refused.status_code == 409, refused.text
        assert refused.json() == {
            "error": True,
            "message": "Template is in use by a scheduled send or a running campaign and "
            f"cannot be {action}",
        }
    assert await Template.exists(id=template_id)

    # Once the send is cancelled nothing waits on the template: it may go.
    ok(await post(client, tenant, "cancel-scheduled-message", id=scheduled["id"]))
    deleted = await call(client, tenant, "DELETE", "delete-template", {"template_id": template_id})
    assert deleted.status_code == 200, deleted.text
    assert not await Template.exists(id=template_id)


async def test_a_send_scheduled_by_customer_user_id_goes_to_the_bsuid(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, phone=None, user_id=USER, name="Noa")
    template_id = await _template(client, sandbox, tenant)
    fields = {"template_id": template_id, "variable": ["noon"], "send_at": SOON}
    answer = ok(
        await post(client, tenant, "send-template-text-variable", customer_user_id=USER, **fields)
    )
    (row,) = ok(await get(client, tenant, "get-scheduled-messages"))["scheduled_messages"]
    assert (row["id"], row["customer_phone"], row["customer_user_id"]) == (answer["id"], None, USER)

    clock.advance(hours=1)
    (row,) = await _settled(client, tenant, clock)
    assert row["status"] == "sent", row
    message = await Message.get(id=row["message_id"]).prefetch_related("customer")
    assert (message.customer.bsuid, message.customer.phone) == (USER, None)
    await asyncio.sleep(1.2)
    (sent,) = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["recipient"] == USER
    assert "to" not in sent["payload"]


async def test_a_send_scheduled_for_an_unknown_bsuid_is_a_404_and_stores_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template_id = await _template(client, sandbox, tenant)
    fields = {"template_id": template_id, "variable": ["noon"], "send_at": SOON}
    response = await post(
        client, tenant, "send-template-text-variable", customer_user_id="US.99", **fields
    )
    assert (response.status_code, body(response)["message"]) == (404, "Customer not found")
    assert not await ScheduledMessage.exists(account_id=tenant.account.id)
