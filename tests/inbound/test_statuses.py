"""Status webhooks: applied monotonically, deduplicated, reordered, parked for unknown wamids."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.messages.failures import KNOWN as FAILURE_HINTS
from mumble.messages.statuses import apply_pending
from mumble.models import Event, Message, PendingStatus
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.database import column
from tests.messages.support import (
    PHONE,
    customer_writes,
    inject_fault,
    messages_envelope,
    post_signed,
    send_text,
)


async def _quiet(sandbox: SandboxHandle) -> None:
    """The sandbox sends no statuses on its own: the test posts them."""
    response = await sandbox.control.post("/_sandbox/config", json={"auto_statuses": []})
    assert response.status_code == 200


def _status(wamid: str, status: str, ts: int = 1782734500, **extra: Any) -> dict[str, Any]:
    return {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": PHONE, **extra}


async def _post_statuses(client: httpx.AsyncClient, tenant: Tenant, *items: dict[str, Any]) -> None:
    response = await post_signed(client, messages_envelope(tenant, statuses=list(items)))
    assert response.status_code == 200


async def _events(tenant: Tenant) -> list[str]:
    return column(
        await Event.filter(account_id=tenant.account.id, type__startswith="message.")
        .order_by("seq")
        .values_list("type", flat=True)
    )


async def test_sent_delivered_read_update_the_message_and_record_events(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = (await send_text(client, tenant, "Hello")).json()
    await sandbox.flush()
    message = await Message.get(id=sent["id"])
    assert message.status == "read"
    assert message.delivered_at is not None
    assert message.read_at is not None
    assert await _events(tenant) == [
        "message.received",
        "message.sent",
        "message.delivered",
        "message.read",
    ]
    read_event = await Event.get(account_id=tenant.account.id, type="message.read")
    assert read_event.data["status"] == "read"
    assert read_event.data["customer_phone"] == PHONE
    assert read_event.data["message_wa_id"] == sent["message_wa_id"]


async def test_duplicated_status_webhooks_change_nothing_twice(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, webhook="duplicate", count=3)
    sent = (await send_text(client, tenant, "Hello")).json()
    await sandbox.flush()
    assert (await Message.get(id=sent["id"])).status == "read"
    assert (await _events(tenant)).count("message.delivered") == 1
    assert (await _events(tenant)).count("message.read") == 1


async def test_reordered_status_webhooks_end_at_read(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, webhook="reorder")
    sent = (await send_text(client, tenant, "Hello")).json()
    await sandbox.flush()
    message = await Message.get(id=sent["id"])
    assert message.status == "read"
    # delivered arrived after read: its time is kept, the status does not regress, and the
    # delivered event was already recorded (before read) when read arrived.
    assert message.delivered_at is not None
    assert await _events(tenant) == [
        "message.received",
        "message.sent",
        "message.delivered",
        "message.read",
    ]


async def test_a_late_delivered_never_overwrites_read(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    await _post_statuses(client, tenant, _status(wamid, "read"))
    await _post_statuses(client, tenant, _status(wamid, "delivered"), _status(wamid, "sent"))
    message = await Message.get(wamid=wamid)
    assert message.status == "read"


async def test_failed_status_keeps_metas_error(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    response = await sandbox.control.post(
        "/_sandbox/statuses",
        json={
            "id": wamid,
            "status": "failed",
            "error_code": 131026,
            "error_title": "Message undeliverable",
            "error_details": "Receiver is incapable of receiving this message",
        },
    )
    assert response.status_code == 200
    shown = await client.get(
        "/mumbleapi/get-message", params={"message_wa_id": wamid}, headers=tenant.headers
    )
    message = shown.json()["message"]
    assert message["status"] == "failed"
    assert message["error"] == {
        "code": 131026,
        "message": "Receiver is incapable of receiving this message",
        "title": "Message undeliverable",
        "hint": FAILURE_HINTS[131026].hint,
    }
    failed = await Event.get(account_id=tenant.account.id, type="message.failed")
    assert failed.data["error"]["code"] == 131026


async def test_a_status_for_an_unknown_wamid_is_kept_and_applied_when_the_send_is_recorded(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    await _post_statuses(
        client, tenant, _status("wamid.EARLY", "delivered"), _status("wamid.EARLY", "read")
    )
    parked = await PendingStatus.filter(account_id=tenant.account.id, wamid="wamid.EARLY")
    assert sorted(p.status for p in parked) == ["delivered", "read"]
    # The send pipeline records the wamid Meta answered, then applies what was parked.
    inbound = await Message.get(account_id=tenant.account.id, direction="inbound")
    message = await Message.create(
        account_id=tenant.account.id,
        customer_id=inbound.customer_id,  # type: ignore[attr-defined]
        direction="outbound",
        type="text",
        text="raced",
        status="sent",
        wamid="wamid.EARLY",
        occurred_at=clock.now(),
    )
    assert await apply_pending(tenant.account.id, "wamid.EARLY", clock.now()) is True
    await message.refresh_from_db()
    assert message.status == "read"
    assert await PendingStatus.filter(account_id=tenant.account.id).count() == 0


async def test_statuses_of_another_accounts_number_do_not_touch_our_messages(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    await _post_statuses(client, other_tenant, _status(wamid, "read"))
    assert (await Message.get(wamid=wamid)).status == "sent"


async def _rungs(tenant: Tenant) -> list[tuple[str, str]]:
    """(event type, the status the event's data shows) of every outbound message event."""
    rows = await Event.filter(account_id=tenant.account.id, type__startswith="message.").order_by(
        "seq"
    )
    return [(e.type, e.data["status"]) for e in rows if e.type != "message.received"]


@pytest.mark.parametrize("first", ["read", "played"])
async def test_a_read_before_delivered_records_the_skipped_rungs_in_order(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, first: str
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    await _post_statuses(client, tenant, _status(wamid, first))
    await _post_statuses(client, tenant, _status(wamid, "delivered"), _status(wamid, "sent"))
    assert await _rungs(tenant) == [
        ("message.sent", "sent"),
        ("message.delivered", "delivered"),
        ("message.read", "read"),
    ]
    message = await Message.get(wamid=wamid)
    assert message.status == "read"
    assert message.delivered_at is not None


async def test_a_delivered_before_sent_records_sent_first(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    await _post_statuses(client, tenant, _status(wamid, "delivered"))
    await _post_statuses(client, tenant, _status(wamid, "sent"), _status(wamid, "read"))
    assert await _rungs(tenant) == [
        ("message.sent", "sent"),
        ("message.delivered", "delivered"),
        ("message.read", "read"),
    ]


async def test_a_failed_status_records_no_delivery_it_did_not_have(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _quiet(sandbox)
    await customer_writes(sandbox, tenant, text="hi")
    wamid = (await send_text(client, tenant, "Hello")).json()["message_wa_id"]
    await _post_statuses(client, tenant, _status(wamid, "sent"))
    await _post_statuses(client, tenant, _status(wamid, "failed"))
    assert await _rungs(tenant) == [("message.sent", "sent"), ("message.failed", "failed")]
