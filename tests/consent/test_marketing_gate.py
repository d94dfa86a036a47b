"""MARKETING templates never go to an opted-out customer; nothing else is affected."""

from __future__ import annotations

import httpx

from mumble.models import Message
from tests.api import body, ok, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text, sent_to_meta
from tests.templates.support import approved_template

OPTED_OUT = "Customer has opted out of marketing messages"


async def test_a_marketing_template_to_an_opted_out_customer_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    sale = await approved_template(
        client,
        sandbox,
        tenant,
        name="sale",
        category="MARKETING",
        body="Sale on {{1}}!",
        body_examples=["shoes"],
    )
    receipt = await approved_template(client, sandbox, tenant, name="receipt", body="Thanks!")
    await customer_writes(sandbox, tenant, text="STOP")
    before = await Message.filter(account_id=tenant.account.id).count()
    refused = [
        await post(
            client,
            tenant,
            "send-template",
            customer_phone=PHONE,
            template_id=sale["id"],
            variable=["shoes"],
        ),
        await post(
            client,
            tenant,
            "send-template-text-variable",
            customer_phone=PHONE,
            template_id=sale["id"],
            variable=["shoes"],
        ),
    ]
    for response in refused:
        assert response.status_code == 400, response.text
        assert body(response) == {"error": True, "message": OPTED_OUT}
    assert await Message.filter(account_id=tenant.account.id).count() == before
    assert await sent_to_meta(sandbox, tenant) == []

    # UTILITY templates and service messages still go out.
    ok(await post(client, tenant, "send-template", customer_phone=PHONE, template_id=receipt["id"]))
    ok(await send_text(client, tenant, "Your order shipped"))

    # Another account's customer with the same phone has its own consent.
    other_sale = await approved_template(
        client, sandbox, other_tenant, name="sale", category="MARKETING", body="Sale!"
    )
    ok(
        await post(
            client,
            other_tenant,
            "send-template",
            customer_phone=PHONE,
            template_id=other_sale["id"],
        )
    )

    # Opted back in, marketing goes out again.
    await customer_writes(sandbox, tenant, text="START")
    ok(
        await post(
            client,
            tenant,
            "send-template",
            customer_phone=PHONE,
            template_id=sale["id"],
            variable=["shoes"],
        )
    )
    assert len(await sent_to_meta(sandbox, tenant)) == 3


async def test_an_unknown_or_new_customer_gets_marketing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    sale = await approved_template(
        client, sandbox, tenant, name="sale", category="MARKETING", body="Sale!"
    )
    ok(await post(client, tenant, "send-template", customer_phone=PHONE, template_id=sale["id"]))
    ok(await post(client, tenant, "set-consent", customer_phone=PHONE, marketing="opted_out"))
    response = await post(
        client, tenant, "send-template", customer_phone=PHONE, template_id=sale["id"]
    )
    assert (response.status_code, body(response)["message"]) == (400, OPTED_OUT)
