"""One timestamp format for everything Mumble added: RFC 3339 UTC with `Z` (mumble.clock.rfc3339).

The reference fixes its own formats, which stay: a customer's `last_interaction` as shown and a
message's `timestamp` in epoch seconds.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.api import ok, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes
from tests.webhooks.conftest import add_webhook, drain
from tests.webhooks.receiver import Receiver

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _assert_z(where: str, value: Any) -> None:
    assert isinstance(value, str), (where, value)
    assert RFC3339_Z.match(value), (where, value)


async def test_webhooks_deliveries_events_and_templates_use_rfc3339_with_z(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: Any,
    sandbox: SandboxHandle,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501111111"))
    await drain(worker)
    (item,) = receiver.received
    _assert_z("event timestamp", item.payload["timestamp"])
    _assert_z("event data occurred_at", item.payload["data"]["occurred_at"])
    deliveries = await client.get(
        "/mumbleapi/get-webhook-deliveries",
        params={"webhook_id": hook["id"]},
        headers=tenant.headers,
    )
    (attempt,) = deliveries.json()["deliveries"]
    _assert_z("delivery attempted_at", attempt["attempted_at"])
    edited = ok(await post(client, tenant, "edit-webhook", webhook_id=hook["id"], enabled=False))
    _assert_z("edit-webhook disabled_at", edited["webhook"]["disabled_at"])
    listed = (await client.get("/mumbleapi/get-webhooks", headers=tenant.headers)).json()
    for webhook in listed["webhooks"]:
        _assert_z("get-webhooks created_at", webhook["created_at"])

    created = ok(
        await post(
            client,
            tenant,
            "create-template",
            name="stamp_check",
            language="en_US",
            category="UTILITY",
            body="Your order is on its way.",
        )
    )
    templates = (await client.get("/mumbleapi/get-templates", headers=tenant.headers)).json()
    (template,) = [t for t in templates["templates"] if t["id"] == created["data"]["id"]]
    _assert_z("template created_at", template["created_at"])
    _assert_z("template updated_at", template["updated_at"])


async def test_the_reference_formats_stay(
    client: httpx.AsyncClient, tenant: Tenant, sandbox: SandboxHandle
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    customer = (
        await client.get(
            "/mumbleapi/get-customer",
            params={"customer_phone": "972501234567"},
            headers=tenant.headers,
        )
    ).json()["customer"]
    # As the reference shows it: seconds, no zone.
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", customer["last_interaction"])
    conversation = (
        await client.get(
            "/mumbleapi/get-conversation",
            params={"customer_phone": "972501234567"},
            headers=tenant.headers,
        )
    ).json()
    messages = conversation["messages"]
    assert messages
    assert all(isinstance(m["timestamp"], int) for m in messages)
