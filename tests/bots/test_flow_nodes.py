"""The send nodes besides text and buttons: a template, a media link and a list, at the sandbox."""

from __future__ import annotations

import httpx

from mumble.models import Message
from tests.api import ok, post
from tests.bots.flows import PHONE, until_said
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, sent_to_meta
from tests.templates.support import approved_template


async def test_template_media_and_list_nodes_send_through_the_pipeline(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_ready",
        body="Hi {{1}}, your order is ready.",
        body_examples=["Dana"],
    )
    flow = {
        "start": "note",
        "nodes": {
            "note": {
                "type": "send_template",
                "template_id": template["id"],
                "variables": ["Dana"],
                "next": "picture",
            },
            "picture": {
                "type": "send_media",
                "media_type": "image",
                "link": "https://example.com/menu.jpg",
                "caption": "Our menu",
                "next": "choose",
            },
            "choose": {
                "type": "send_list",
                "body": "Pick a dish",
                "button": "Dishes",
                "sections": [
                    {"rows": [{"id": "soup", "title": "Soup"}, {"id": "salad", "title": "Salad"}]}
                ],
                "next": "done",
            },
            "done": {"type": "end"},
        },
    }
    bot_id = ok(await post(client, tenant, "add-bot", name="Kitchen", flow=flow))["bot"]["id"]
    await customer_writes(sandbox, tenant, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot_id))
    await customer_writes(sandbox, tenant, text="hungry")
    assert await until_said(sandbox, tenant, 3) == ["template", "image", "Pick a dish"]
    sent = [m["payload"] for m in await sent_to_meta(sandbox, tenant)]
    assert sent[0]["template"]["name"] == "order_ready"
    assert sent[1]["image"] == {"link": "https://example.com/menu.jpg", "caption": "Our menu"}
    assert sent[2]["interactive"]["action"]["button"] == "Dishes"
    stored = await Message.filter(direction="outbound").order_by("id")
    assert [(m.type, m.bot_kind) for m in stored] == [
        ("template", "flow"),
        ("image", "flow"),
        ("interactive", "flow"),
    ]
    assert stored[0].text == "Hi Dana, your order is ready."
