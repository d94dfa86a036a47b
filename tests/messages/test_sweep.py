"""The crash sweep: sends left `accepted` by a dead process are resolved and their keys settled.

The state a kill -9 leaves (a committed `accepted` row, its Idempotency-Key in progress) is built
with the send's own writes; Meta's status webhooks arrive over HTTP as Meta sends them. The real
kill -9 of a `mumble serve` is tests/messages/test_sweep_crash.py.
"""

from __future__ import annotations

import datetime as dt

import httpx

from mumble import idempotency
from mumble.messages import sweep
from mumble.messages.service import Outgoing, record_accepted
from mumble.models import Account, Customer, Event, IdempotencyRecord, Message
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import (
    PHONE,
    customer_writes,
    messages_envelope,
    post_signed,
    sent_to_meta,
)

LEASE = dt.timedelta(minutes=15)
_PATH = "/mumbleapi/send-text-message"


async def _crashed_send(tenant: Tenant, text: str, key: str, clock: FrozenClock) -> Message:
    """What a send killed between "accepted" and Meta's answer leaves behind."""
    account = await Account.get(id=tenant.account.id)
    customer = await Customer.get(account_id=account.id, phone=PHONE)
    print_ = idempotency.fingerprint("POST", _PATH, {"customer_phone": PHONE, "text": text})
    await IdempotencyRecord.create(
        account_id=account.id, key=key, fingerprint=print_, created_at=clock.now()
    )
    message = await record_accepted(account, customer, Outgoing("text", text), clock.now())
    await IdempotencyRecord.filter(account_id=account.id, key=key).update(message_id=message.id)
    return message


async def _retry(client: httpx.AsyncClient, tenant: Tenant, text: str, key: str) -> httpx.Response:
    return await client.post(
        _PATH,
        json={"customer_phone": PHONE, "text": text},
        headers={**tenant.headers, "Idempotency-Key": key},
    )


async def _statuses(client: httpx.AsyncClient, tenant: Tenant, message: Message) -> None:
    """Meta's status webhooks for a send it accepted, echoing the send's callback data."""
    items = [
        {
            "id": "wamid.CRASHED",
            "status": status,
            "timestamp": str(1_700_000_000 + n),
            "recipient_id": PHONE,
            "biz_opaque_callback_data": sweep.callback_data(message.id),
        }
        for n, status in enumerate(("sent", "delivered"))
    ]
    response = await post_signed(client, messages_envelope(tenant, statuses=items))
    assert response.status_code == 200


async def test_a_stale_send_meta_accepted_becomes_sent_and_its_key_replays(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    message = await _crashed_send(tenant, "Went out", "k-sent", clock)
    await _statuses(client, tenant, message)
    # Within the lease nothing is touched: the send may still be running.
    assert await sweep.sweep_stale_sends(clock.now(), LEASE, base_url="") == sweep.SweepResult()
    clock.advance(minutes=16)

    result = await sweep.sweep_stale_sends(clock.now(), LEASE, base_url="")

    assert result == sweep.SweepResult(sent=1, keys_answered=1)
    stored = await Message.get(id=message.id)
    assert (stored.wamid, stored.status) == ("wamid.CRASHED", "delivered")
    types = await Event.filter(account_id=tenant.account.id, type__startswith="message.s")
    assert [e.type for e in types] == ["message.sent"]
    retry = await _retry(client, tenant, "Went out", "k-sent")
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == {"success": True, "id": message.id, "message_wa_id": "wamid.CRASHED"}
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_stale_send_meta_never_answered_fails_with_an_event_and_its_key_is_released(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    message = await _crashed_send(tenant, "Lost", "k-lost", clock)
    clock.advance(minutes=16)

    result = await sweep.sweep_stale_sends(clock.now(), LEASE, base_url="")

    assert result == sweep.SweepResult(failed=1, keys_released=1)
    stored = await Message.get(id=message.id)
    assert (stored.status, stored.error_message) == ("failed", sweep.SWEPT_REASON)
    failed = await Event.filter(account_id=tenant.account.id, type="message.failed")
    assert [e.data["id"] for e in failed] == [message.id]
    # The key is free: the retry really sends, once.
    retry = await _retry(client, tenant, "Lost", "k-lost")
    assert retry.status_code == 200, retry.text
    assert "Idempotent-Replayed" not in retry.headers
    assert len(await sent_to_meta(sandbox, tenant)) == 1
    # A second sweep finds nothing left.
    clock.advance(minutes=16)
    assert await sweep.sweep_stale_sends(clock.now(), LEASE, base_url="") == sweep.SweepResult()


async def test_a_key_claimed_by_a_request_that_died_before_recording_is_released(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    print_ = idempotency.fingerprint("POST", _PATH, {"customer_phone": PHONE, "text": "x"})
    await IdempotencyRecord.create(
        account_id=tenant.account.id, key="early", fingerprint=print_, created_at=clock.now()
    )
    clock.advance(minutes=16)
    result = await sweep.sweep_stale_sends(clock.now(), LEASE, base_url="")
    assert result == sweep.SweepResult(keys_released=1)
    assert (await _retry(client, tenant, "x", "early")).status_code == 200
