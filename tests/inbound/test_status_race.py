"""The real race, end to end: Meta's status webhooks reach us before its answer to our send.

The sandbox's `early_statuses` fault delivers the signed status webhooks for the new wamid to
/webhooks/whatsapp and only then answers POST /messages. While they arrive our message row is
`accepted` without a wamid, so the statuses are parked, and the send applies them when it records
the wamid.
"""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Event, Message, PendingStatus
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, inject_fault, send_text


async def _message_events(tenant: Tenant) -> list[dict[str, Any]]:
    rows = await Event.filter(account_id=tenant.account.id, type__startswith="message.").order_by(
        "seq"
    )
    return [
        {"type": e.type, "status": e.data["status"], "wamid": e.data["message_wa_id"]} for e in rows
    ]


async def _get_message(client: httpx.AsyncClient, tenant: Tenant, wamid: str) -> httpx.Response:
    return await client.get(
        "/mumbleapi/get-message", params={"message_wa_id": wamid}, headers=tenant.headers
    )


def _status_deliveries(sandbox: SandboxHandle) -> list[tuple[str, str, int | None]]:
    """(wamid, status, our answer) of every status webhook the sandbox delivered, in order."""
    return [
        (s["id"], s["status"], hook["status"])
        for hook in sandbox.sandbox.state.webhooks
        for entry in hook["body"]["entry"]
        for change in entry["changes"]
        for s in change["value"].get("statuses", [])
    ]


async def test_statuses_that_beat_metas_answer_are_applied_when_the_send_returns(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, early_statuses=["sent", "delivered", "read"])

    response = await send_text(client, tenant, "Raced")

    assert response.status_code == 200, response.text
    sent = response.json()
    wamid = sent["message_wa_id"]
    assert wamid
    # All three reached /webhooks/whatsapp (200) before Meta's answer, while we had no wamid.
    assert _status_deliveries(sandbox) == [
        (wamid, "sent", 200),
        (wamid, "delivered", 200),
        (wamid, "read", 200),
    ]
    # No flush: nothing is left in flight, the send itself applied what was parked.
    shown = await _get_message(client, tenant, wamid)
    assert shown.status_code == 200
    assert shown.json()["message"]["status"] == "read"
    assert shown.json()["message"]["id"] == sent["id"]
    stored = await Message.filter(account_id=tenant.account.id, direction="outbound")
    assert [(m.wamid, m.status, m.text) for m in stored] == [(wamid, "read", "Raced")]
    [message] = stored
    assert message.sent_at is not None
    assert message.delivered_at is not None
    assert message.read_at is not None
    inbound = await Message.get(account_id=tenant.account.id, direction="inbound")
    assert await _message_events(tenant) == [
        {"type": "message.received", "status": inbound.status, "wamid": inbound.wamid},
        {"type": "message.sent", "status": "sent", "wamid": wamid},
        {"type": "message.delivered", "status": "delivered", "wamid": wamid},
        {"type": "message.read", "status": "read", "wamid": wamid},
    ]
    assert await PendingStatus.filter(account_id=tenant.account.id).count() == 0
    # Another account's key does not see the raced message.
    assert (await _get_message(client, other_tenant, wamid)).status_code == 404


async def test_a_send_answered_after_delivered_shows_delivered_and_a_later_read_applies(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    # Nothing in the background: the test sends `read` itself once it has looked.
    config = {"auto_statuses": ["sent", "delivered"]}
    assert (await sandbox.control.post("/_sandbox/config", json=config)).status_code == 200
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, early_statuses=["sent", "delivered"])

    sent = (await send_text(client, tenant, "Raced")).json()

    wamid = sent["message_wa_id"]
    assert (await _get_message(client, tenant, wamid)).json()["message"]["status"] == "delivered"
    assert await PendingStatus.filter(account_id=tenant.account.id).count() == 0
    # `read` comes after the answer, and applies directly.
    read = await sandbox.control.post("/_sandbox/statuses", json={"id": wamid, "status": "read"})
    assert read.json() == {"delivery": [200]}
    assert (await _get_message(client, tenant, wamid)).json()["message"]["status"] == "read"
    types = [e["type"] for e in await _message_events(tenant)]
    assert types == ["message.received", "message.sent", "message.delivered", "message.read"]


async def test_early_statuses_reordered_and_duplicated_still_land_once_in_order(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, early_statuses=["sent", "delivered", "read"])
    await inject_fault(sandbox, webhook="reorder")

    wamid = (await send_text(client, tenant, "Raced")).json()["message_wa_id"]
    assert [s for _, s, _ in _status_deliveries(sandbox)] == ["read", "delivered", "sent"]

    # Here `read` follows in the background and races the send recording its wamid: the parked
    # `delivered` (which arrived first) must still be applied before it, with its own event.
    await inject_fault(sandbox, early_statuses=["sent", "delivered"])
    await inject_fault(sandbox, webhook="duplicate")
    again = (await send_text(client, tenant, "Raced again")).json()
    await sandbox.flush()
    assert [s for w, s, _ in _status_deliveries(sandbox) if w == again["message_wa_id"]] == [
        "sent",
        "sent",
        "delivered",
        "read",
    ]

    stored = await Message.filter(account_id=tenant.account.id, direction="outbound").order_by("id")
    assert [(m.wamid, m.status) for m in stored] == [
        (wamid, "read"),
        (again["message_wa_id"], "read"),
    ]
    events = [(e["type"], e["wamid"]) for e in await _message_events(tenant)][1:]
    # Parked statuses are applied up the ladder, so even a reversed race records every step once.
    assert events == [
        ("message.sent", wamid),
        ("message.delivered", wamid),
        ("message.read", wamid),
        ("message.sent", again["message_wa_id"]),
        ("message.delivered", again["message_wa_id"]),
        ("message.read", again["message_wa_id"]),
    ]
    assert await PendingStatus.filter(account_id=tenant.account.id).count() == 0
