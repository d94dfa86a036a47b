"""Authentication (OTP) templates in Meta's shape: created without body or footer text, with the
security recommendation, an expiry and one OTP button; sent with the code as the body parameter
and as the button's url parameter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Message
from mumble.settings import GRAPH_VERSION
from tests.api import post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import PHONE, approved_template, create, meta_requests

COPY_CODE = {
    "name": "login_code",
    "category": "AUTHENTICATION",
    "add_security_recommendation": True,
    "code_expiration_minutes": 10,
    "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}],
}
ONE_TAP = {
    "name": "login_tap",
    "category": "AUTHENTICATION",
    "buttons": [
        {
            "type": "OTP",
            "otp_type": "ONE_TAP",
            "text": "Copy code",
            "autofill_text": "Autofill",
            "supported_apps": [
                {"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}
            ],
        }
    ],
}


async def _send(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(
        client, tenant, "send-template-text-variable", {"customer_phone": PHONE, **fields}
    )


async def test_a_copy_code_template_is_created_in_metas_shape_and_sends_the_code_twice(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **COPY_CODE)
    [submitted] = [r for r in await meta_requests(sandbox, "/message_templates") if "json" in r]

    response = await _send(client, tenant, template_id=template["id"], variable=["482913"])

    assert submitted["json"]["components"] == [
        {"type": "BODY", "add_security_recommendation": True},
        {"type": "FOOTER", "code_expiration_minutes": 10},
        {
            "type": "BUTTONS",
            "buttons": [{"type": "OTP", "text": "Copy code", "otp_type": "COPY_CODE"}],
        },
    ]
    assert template["body"] == (
        "{{1}} is your verification code. For your security, do not share this code."
    )
    assert template["footer"] == "This code expires in 10 minutes."
    assert template["body_variables"] == 1
    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "482913"}],
        },
    ]
    message = await Message.get(wamid=response.json()["message_wa_id"])
    assert message.text.startswith("482913 is your verification code.")


async def test_a_one_tap_template_names_the_apps_that_may_autofill(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **ONE_TAP)

    response = await post(
        client,
        tenant,
        "send-template",
        customer_phone=PHONE,
        template_id=template["id"],
        variable=["1234"],
    )

    assert response.status_code == 200, response.text
    [submitted] = [r for r in await meta_requests(sandbox, "/message_templates") if "json" in r]
    button = submitted["json"]["components"][-1]["buttons"][0]
    assert button["supported_apps"] == ONE_TAP["buttons"][0]["supported_apps"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"body": "Your code is {{1}}"}, "AUTHENTICATION templates take no body text"),
        ({"footer": "Expires soon"}, "AUTHENTICATION templates take no footer text"),
        (
            {"code_expiration_minutes": 91},
            "code_expiration_minutes must be a whole number from 1 to 90",
        ),
        (
            {"code_expiration_minutes": 0},
            "code_expiration_minutes must be a whole number from 1 to 90",
        ),
        ({"buttons": []}, "AUTHENTICATION templates need one OTP button"),
        (
            {"add_security_recommendation": "yes"},
            "add_security_recommendation must be true or false",
        ),
        (
            {"buttons": [{"type": "OTP", "otp_type": "ONE_TAP", "text": "Go"}]},
            "OTP button 1 (ONE_TAP) needs supported_apps",
        ),
        (
            {"buttons": [{"type": "URL", "text": "Go", "url": "https://ex.com"}]},
            "AUTHENTICATION templates cannot have URL buttons",
        ),
    ],
)
async def test_authentication_templates_outside_metas_shape_are_refused(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, Any],
    detail: str,
) -> None:
    response = await create(client, tenant, language="en_US", **(COPY_CODE | fields))

    assert response.status_code == 400
    assert response.json()["message"] == "Invalid template configuration"
    assert any(d.startswith(detail) for d in response.json()["details"]), response.json()
    assert await meta_requests(sandbox, "/message_templates") == []


async def test_otp_options_and_buttons_belong_to_authentication_templates_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await create(
        client,
        tenant,
        name="not_auth",
        language="en_US",
        category="UTILITY",
        body="Hello there, friend.",
        code_expiration_minutes=5,
        buttons=[{"type": "OTP", "otp_type": "COPY_CODE"}],
    )

    assert response.status_code == 400
    details = response.json()["details"]
    assert any("only for AUTHENTICATION templates" in d for d in details), details
    assert any("type OTP is not supported" in d for d in details), details


async def test_a_marketing_template_still_needs_its_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await create(client, tenant, name="no_body", language="en_US", category="MARKETING")

    assert response.status_code == 400
    assert response.json()["message"] == "Body text is required"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"variable": ["1234567890123456"]},
            "The authentication code is at most 15 characters (16 given)",
        ),
        ({"variable": ["1", "2"]}, "Template expects 1 variable(s), 2 given"),
        (
            {"variable": ["1234"], "button_variables": ["1234"]},
            "An authentication template takes its code once, in variable: "
            "leave button_variables out",
        ),
    ],
)
async def test_bad_codes_are_refused_before_meta(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, Any],
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **COPY_CODE)

    response = await _send(client, tenant, template_id=template["id"], **fields)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert await sent_to_meta(sandbox, tenant) == []


async def test_another_accounts_key_cannot_send_the_code(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **COPY_CODE)

    response = await _send(client, other_tenant, template_id=template["id"], variable=["1234"])

    assert response.status_code == 404
    assert await sent_to_meta(sandbox, other_tenant) == []


async def test_the_sandbox_refuses_an_otp_send_without_the_button_parameter_like_meta(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await approved_template(client, sandbox, tenant, **COPY_CODE)
    payload = {
        "messaging_product": "whatsapp",
        "to": PHONE,
        "type": "template",
        "template": {
            "name": "login_code",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "1"}]}],
        },
    }

    response = await sandbox.control.post(
        f"/{GRAPH_VERSION}/{tenant.account.phone_number_id}/messages",
        json=payload,
        headers={"Authorization": f"Bearer {tenant.account.access_token}"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 132000
