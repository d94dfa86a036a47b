"""Every event type, produced by the action that causes it, reaches a real receiver signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import time
from pathlib import Path

import httpx
import orjson

from mumble.events import signing
from mumble.events.outbox import EVENT_TYPES
from mumble.events.worker import DeliveryWorker
from mumble.models import Event
from mumble.team import service as team_service
from tests.api import ok, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text
from tests.templates.support import approved_template
from tests.webhooks.conftest import add_webhook, drain
from tests.webhooks.receiver import Receiver


# Copied literally from docs/webhooks.md ("Verifying a delivery").
def verify_webhook(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """True when the request really comes from Mumble. `body` is the raw request body."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:  # refuse replays of old requests
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, sig) for sig in headers["webhook-signature"].split())


async def test_every_event_type_is_delivered_signed_after_its_action(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, sorted(EVENT_TYPES))
    agent = await team_service.create_agent(tenant.account.id, "Ann", None)
    other = "972509999999"

    # Customers and labels, through their endpoints.
    ok(await post(client, tenant, "add-new-customer", customer_phone=other, name="Bo"))
    ok(await post(client, tenant, "edit-customer", customer_phone=other, name="Bob"))
    ok(await post(client, tenant, "edit-customer-conv-status", customer_phone=other, status="open"))
    ok(
        await post(
            client, tenant, "assign-customer-to-agent", customer_phone=other, agent_id=str(agent.id)
        )
    )
    ok(await post(client, tenant, "set-consent", customer_phone=other, marketing="opted_in"))
    ok(await post(client, tenant, "add-new-label", label_name="VIP"))
    ok(await post(client, tenant, "add-customer-to-label", customer_phone=other, label_name="VIP"))
    removed = await client.request(
        "DELETE",
        "/mumbleapi/remove-customer-from-label",
        headers=tenant.headers,
        json={"customer_phone": other, "label_name": "VIP"},
    )
    assert removed.status_code == 200
    deleted = await client.request(
        "DELETE",
        "/mumbleapi/delete-customer",
        headers=tenant.headers,
        json={"customer_phone": other},
    )
    assert deleted.status_code == 200

    # Messages, through the Cloud API sandbox: in, out, statuses and a failure.
    await customer_writes(sandbox, tenant, text="Hi")
    # A human's send takes the conversation from the AI bot; assign-bot gives it back.
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token="AI"))
    sent = await send_text(client, tenant, "Hello!")
    assert sent.status_code == 200, sent.text
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token="AI"))
    await sandbox.flush()
    failing = await send_text(client, tenant, "Second")
    failed = await sandbox.control.post(
        "/_sandbox/statuses", json={"id": failing.json()["message_wa_id"], "status": "failed"}
    )
    assert failed.status_code == 200, failed.text

    # A template approved by Meta.
    await approved_template(client, sandbox, tenant, name="welcome_note", body="Welcome!")

    await drain(worker)

    assert set(receiver.types) == EVENT_TYPES
    stored = {str(event.id): event for event in await Event.filter(account_id=tenant.account.id)}
    for item in receiver.received:
        assert verify_webhook(hook["secret"], item.headers, item.body)
        payload = item.payload
        assert set(payload) == {"id", "type", "account", "timestamp", "data"}
        assert item.headers["webhook-id"] == payload["id"]
        assert item.headers["content-type"] == "application/json"
        event = stored[payload["id"]]
        assert (payload["type"], payload["account"]) == (event.type, str(tenant.account.id))
        assert payload["data"] == event.data
    by_type = {item["type"]: item for item in receiver.payloads}
    assert by_type["customer.created"]["data"]["customer"]["phone"] in (other, PHONE)
    assert by_type["customer.label_added"]["data"]["label"]["name"] == "VIP"
    assert by_type["customer.consent_changed"]["data"]["consent"]["marketing"] == "opted_in"
    assert by_type["template.status_changed"]["data"]["status"] == "APPROVED"
    assert by_type["conversation.handed_off"]["data"]["reason"] == "human_send"
    assert by_type["conversation.bot_resumed"]["data"]["bot"]["type"] == "AI"
    # Everything was delivered exactly once here (nothing failed, so nothing was retried).
    assert len(receiver.received) == len(stored)


async def test_docs_recipe_rejects_a_tampered_body_a_wrong_secret_and_an_old_timestamp(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501112222"))
    await drain(worker)
    (item,) = receiver.received
    assert verify_webhook(hook["secret"], item.headers, item.body)
    tampered = orjson.dumps({**item.payload, "type": "customer.deleted"})
    assert not verify_webhook(hook["secret"], item.headers, tampered)
    assert not verify_webhook(signing.new_secret(), item.headers, item.body)
    old = int(time.time()) - 3600
    stale = {
        **item.headers,
        "webhook-timestamp": str(old),
        "webhook-signature": signing.sign(
            hook["secret"], item.headers["webhook-id"], old, item.body
        ),
    }
    assert not verify_webhook(hook["secret"], stale, item.body)


async def test_only_subscribed_types_of_the_own_account_are_sent(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
) -> None:
    await add_webhook(client, tenant.headers, receiver.url, ["customer.updated"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501112222"))
    ok(await post(client, tenant, "edit-customer", customer_phone="972501112222", name="Zed"))
    ok(await post(client, other_tenant, "add-new-customer", customer_phone="972501112222"))
    ok(await post(client, other_tenant, "edit-customer", customer_phone="972501112222", name="Q"))
    await drain(worker)
    assert receiver.types == ["customer.updated"]
    assert receiver.payloads[0]["account"] == str(tenant.account.id)


def _python_block(path: Path) -> str:
    text = path.read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_recipe_tested_here_is_the_one_the_readme_and_docs_show() -> None:
    root = Path(__file__).resolve().parents[2]
    tested = inspect.getsource(verify_webhook)
    for doc in (root / "README.md", root / "docs" / "webhooks.md"):
        assert tested in _python_block(doc), doc
