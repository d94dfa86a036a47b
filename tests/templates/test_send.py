"""send-template and send-template-text-variable over real HTTP against the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Customer, Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import inject_fault, send_text, sent_to_meta
from tests.templates.support import (
    PHONE,
    REFERENCE_EXAMPLES,
    approved_template,
    create,
    media_server,
    set_status,
)

PLAIN = {"name": "hello_again", "category": "MARKETING", "body": "Hello again, we missed you!"}
WITH_VARIABLES = {
    "name": "order_update",
    "body": "Hi {{1}}! Your order {{2}} will arrive on {{3}}.",
    "body_examples": ["John", "#12345", "Jan 30"],
}
# The reference's complete create-template example (its media_url is set per test).
CONFIRMATION = {k: v for k, v in REFERENCE_EXAMPLES[-1].items() if k != "media_url"}


async def _send(
    client: httpx.AsyncClient, tenant: Tenant, path: str = "send-template", **fields: Any
) -> httpx.Response:
    body = {"customer_phone": PHONE, **fields}
    return await client.post(f"/mumbleapi/{path}", json=body, headers=tenant.headers)


async def _confirmation(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> dict[str, Any]:
    async with media_server() as media:
        return await approved_template(
            client, sandbox, tenant, **CONFIRMATION, media_url=media + "/banner.png"
        )


async def test_a_template_send_outside_the_window_succeeds_while_text_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    refused = await send_text(client, tenant, "Hi!")
    assert refused.status_code == 400
    assert refused.json()["message"] == "Conversation is closed (send a template instead)"
    response = await _send(client, tenant, template_id=template["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Template message sent successfully"
    assert body["message_wa_id"].startswith("wamid.")
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["type"] == "template"
    assert sent["payload"]["template"]["name"] == "hello_again"
    assert sent["payload"]["template"]["language"] == {"code": "en_US"}
    assert sent["payload"]["to"] == "+" + PHONE
    [message] = await Message.filter(account_id=tenant.account.id)
    assert message.type == "template"
    assert str(message.template_id) == template["id"]
    assert message.rendered_body == "Hello again, we missed you!"
    assert message.text == "Hello again, we missed you!"
    assert message.wamid == body["message_wa_id"]


async def test_variables_buttons_and_media_header_reach_meta_and_the_rendered_body_is_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await _confirmation(client, sandbox, tenant)
    response = await _send(
        client,
        tenant,
        "send-template-text-variable",
        template_id=template["id"],
        variable=["John Doe", "#12345", "$99.99"],
        button_variables=["offer25"],
        media_link="https://example.com/banner.jpg",
    )
    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    components = sent["payload"]["template"]["components"]
    assert components[0] == {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://example.com/banner.jpg"}}],
    }
    assert components[1] == {
        "type": "body",
        "parameters": [
            {"type": "text", "text": "John Doe"},
            {"type": "text", "text": "#12345"},
            {"type": "text", "text": "$99.99"},
        ],
    }
    assert components[2]["sub_type"] == "url"
    assert str(components[2]["index"]) == "0"
    assert components[2]["parameters"] == [{"type": "text", "text": "offer25"}]
    [message] = await Message.filter(account_id=tenant.account.id)
    assert (
        message.rendered_body == "Hi John Doe! Your order #12345 has been confirmed. Total: $99.99."
    )
    conversation = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert conversation.status_code == 200, conversation.text
    assert "Hi John Doe! Your order #12345" in conversation.text


async def test_send_to_an_unknown_phone_creates_the_customer_with_the_given_profile(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    response = await _send(
        client,
        tenant,
        template_id=template["id"],
        name="Dana Levi",
        email="dana@example.com",
        source="campaign",
    )
    assert response.status_code == 200, response.text
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert (customer.name, customer.email, customer.source) == (
        "Dana Levi",
        "dana@example.com",
        "campaign",
    )


async def test_a_template_send_keeps_the_name_and_email_of_an_existing_customer(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    crm = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": PHONE, "name": "Dana Levi", "email": "dana@example.com"},
        headers=tenant.headers,
    )
    assert crm.status_code == 200, crm.text
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    response = await _send(
        client, tenant, template_id=template["id"], name="Other", email="other@example.com"
    )
    assert response.status_code == 200, response.text
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert (customer.name, customer.email) == ("Dana Levi", "dana@example.com")


async def test_a_bad_profile_email_on_a_template_send_says_what_is_wrong_with_the_send(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    response = await _send(client, tenant, template_id=template["id"], email="nope")
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid customer field on the send"
    assert response.json()["details"][0].startswith("email: ")
    assert await Customer.filter(account_id=tenant.account.id).count() == 0


async def test_template_id_may_be_meta_id(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    response = await _send(client, tenant, template_id=template["meta_id"])
    assert response.status_code == 200, response.text
    [message] = await Message.filter(account_id=tenant.account.id)
    assert str(message.template_id) == template["id"]


NOT_SENDABLE = [
    "PAUSED",
    "DISABLED",
    "REJECTED",
    "IN_APPEAL",
    "PENDING_DELETION",
    "DELETED",
    "LIMIT_EXCEEDED",
    "FLAGGED",
]


async def test_a_pending_template_is_refused_before_meta(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    created = await create(client, tenant, language="en_US", **PLAIN)
    response = await _send(client, tenant, template_id=created.json()["data"]["id"])
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Template is PENDING and cannot be sent (only APPROVED templates can be sent)",
    }
    assert await sent_to_meta(sandbox, tenant) == []


@pytest.mark.parametrize("status", NOT_SENDABLE)
async def test_sends_are_refused_in_each_non_approved_state(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, status: str
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    await set_status(sandbox, template["meta_id"], status)
    for path in ("send-template", "send-template-text-variable"):
        response = await _send(client, tenant, path, template_id=template["id"], variable=["x"])
        assert response.status_code == 400
        assert response.json()["message"] == (
            f"Template is {status} and cannot be sent (only APPROVED templates can be sent)"
        )
    assert await sent_to_meta(sandbox, tenant) == []
    assert await Message.filter(account_id=tenant.account.id).count() == 0
    assert await Customer.filter(account_id=tenant.account.id).count() == 0
    # Approved again: sendable again.
    await set_status(sandbox, template["meta_id"], "APPROVED")
    assert (await _send(client, tenant, template_id=template["id"])).status_code == 200


@pytest.mark.parametrize(
    ("path", "variables", "message"),
    [
        ("send-template", None, "Template expects 3 variable(s), 0 given"),
        ("send-template-text-variable", ["John", "#1"], "Template expects 3 variable(s), 2 given"),
        (
            "send-template-text-variable",
            ["a", "b", "c", "d"],
            "Template expects 3 variable(s), 4 given",
        ),
    ],
)
async def test_variable_count_must_match_the_body(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    path: str,
    variables: list[str] | None,
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **WITH_VARIABLES)
    fields: dict[str, Any] = {"template_id": template["id"]}
    if variables is not None:
        fields["variable"] = variables
    response = await _send(client, tenant, path, **fields)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}
    assert await sent_to_meta(sandbox, tenant) == []


@pytest.mark.parametrize(
    ("buttons", "message"),
    [
        (None, "Template expects 1 button variable(s), 0 given"),
        (["a", "b"], "Template expects 1 button variable(s), 2 given"),
    ],
)
async def test_button_variables_must_match_the_dynamic_url_buttons(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    buttons: list[str] | None,
    message: str,
) -> None:
    template = await _confirmation(client, sandbox, tenant)
    fields: dict[str, Any] = {
        "template_id": template["id"],
        "variable": ["John", "#1", "$1"],
        "media_link": "https://example.com/b.jpg",
    }
    if buttons is not None:
        fields["button_variables"] = buttons
    response = await _send(client, tenant, "send-template-text-variable", **fields)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}


async def test_button_variables_for_a_template_without_dynamic_buttons_are_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    response = await _send(client, tenant, template_id=template["id"], button_variables=["x"])
    assert response.status_code == 400
    assert response.json()["message"] == "Template expects 0 button variable(s), 1 given"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (None, "Media link is required for a template with an IMAGE header"),
        ("ftp://example.com/b.jpg", "Media link is not valid"),
        ("banner.jpg", "Media link is not valid"),
    ],
)
async def test_media_header_needs_an_http_media_link(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    link: str | None,
    message: str,
) -> None:
    template = await _confirmation(client, sandbox, tenant)
    fields: dict[str, Any] = {
        "template_id": template["id"],
        "variable": ["John", "#1", "$1"],
        "button_variables": ["x"],
    }
    if link is not None:
        fields["media_link"] = link
    response = await _send(client, tenant, "send-template-text-variable", **fields)
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert await sent_to_meta(sandbox, tenant) == []


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("send-template", {"customer_phone": "", "template_id": "x"}, "Phone number is required."),
        ("send-template", {"template_id": "x"}, "Phone number is required."),
        ("send-template", {"customer_phone": PHONE}, "Template ID is required."),
        (
            "send-template",
            {"customer_phone": PHONE, "template_id": " "},
            "Template ID is required.",
        ),
        (
            "send-template-text-variable",
            {"customer_phone": PHONE, "template_id": "x"},
            "Variables are required.",
        ),
        (
            "send-template-text-variable",
            {"customer_phone": PHONE, "template_id": "x", "variable": []},
            "Variables are required.",
        ),
        (
            "send-template-text-variable",
            {"template_id": "x", "variable": ["a"]},
            "Phone number is required.",
        ),
    ],
)
async def test_missing_fields_are_refused_with_the_reference_messages(
    client: httpx.AsyncClient, tenant: Tenant, path: str, fields: dict[str, Any], message: str
) -> None:
    response = await client.post(f"/mumbleapi/{path}", json=fields, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}


@pytest.mark.parametrize("template_id", ["0b9c2a4e-1111-4e5e-9a39-1d2f3c4b5a69", "123456", "junk"])
async def test_unknown_template_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str
) -> None:
    response = await _send(client, tenant, template_id=template_id)
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Template not found"}


async def test_a_second_account_cannot_send_the_first_accounts_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    for template_id in (template["id"], template["meta_id"]):
        response = await _send(client, other_tenant, template_id=template_id)
        assert response.status_code == 404
        assert response.json()["message"] == "Template not found"
    assert await sent_to_meta(sandbox, other_tenant) == []


async def test_meta_refusing_the_send_is_reported_and_the_message_stored_failed(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **PLAIN)
    # Meta paused it but the webhook never arrived: Meta answers 132015.
    await inject_fault(sandbox, webhook="drop", count=1)
    await set_status(sandbox, template["meta_id"], "PAUSED")
    response = await _send(client, tenant, template_id=template["id"])
    assert response.status_code == 400
    assert response.json()["message"] == "Template is paused (low quality), try again later"
    [message] = await Message.filter(account_id=tenant.account.id)
    assert (message.status, message.error_code) == ("failed", 132015)
