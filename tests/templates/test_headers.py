"""Headers Meta allows beyond media: a TEXT header with its one variable, the DOCUMENT header's
file name, and GIF headers (MARKETING templates, an MP4 sent as Meta's `gif` parameter)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import PHONE, approved_template, create, media_server, meta_requests

ORDER = {
    "name": "order_ready",
    "header": {"format": "TEXT", "text": "Order {{1}}", "example": "42"},
    "body": "Hi {{1}}, your order is ready.",
    "body_examples": ["Ann"],
}


async def _send(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(
        client, tenant, "send-template-text-variable", {"customer_phone": PHONE, **fields}
    )


async def test_a_header_variable_is_created_with_its_example_and_sent(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **ORDER)
    [submitted] = [r for r in await meta_requests(sandbox, "/message_templates") if "json" in r]

    response = await _send(
        client, tenant, template_id=template["id"], variable=["Ann"], header_variable="#77"
    )

    assert submitted["json"]["components"][0] == {
        "type": "HEADER",
        "format": "TEXT",
        "text": "Order {{1}}",
        "example": {"header_text": ["42"]},
    }
    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"][0] == {
        "type": "header",
        "parameters": [{"type": "text", "text": "#77"}],
    }


async def test_a_named_header_variable_is_sent_by_its_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_named",
        parameter_format="NAMED",
        header={"format": "TEXT", "text": "Order {{order}}", "example": {"order": "42"}},
        body="Hi {{first_name}}, it is ready.",
        body_examples={"first_name": "Ann"},
    )

    response = await _send(
        client,
        tenant,
        template_id=template["id"],
        variable={"first_name": "A"},
        header_variable="9",
    )

    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "9", "parameter_name": "order"}
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Template has a header variable: pass its value in header_variable"),
        ({"media_filename": "a.pdf"}, "media_filename is only used with a DOCUMENT header"),
    ],
)
async def test_header_values_the_template_needs_or_refuses_are_checked_before_meta(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, Any],
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **ORDER)

    response = await _send(client, tenant, template_id=template["id"], variable=["Ann"], **fields)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_template_without_header_variable_refuses_one(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client, sandbox, tenant, name="plain", body="Hello {{1}}, welcome.", body_examples=["A"]
    )

    response = await _send(
        client, tenant, template_id=template["id"], variable=["A"], header_variable="x"
    )

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Template has no header variable: leave header_variable out"
    )


async def test_a_document_header_is_sent_with_its_file_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    async with media_server() as media:
        template = await approved_template(
            client,
            sandbox,
            tenant,
            name="invoice",
            header={"format": "DOCUMENT"},
            body="Hi {{1}}, your invoice is attached.",
            body_examples=["Ann"],
            media_url=media + "/invoice.pdf",
        )

    response = await _send(
        client,
        tenant,
        template_id=template["id"],
        variable=["Ann"],
        media_link="https://example.com/inv/77",
        media_filename="Invoice 77.pdf",
    )

    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"][0] == {
        "type": "header",
        "parameters": [
            {
                "type": "document",
                "document": {"link": "https://example.com/inv/77", "filename": "Invoice 77.pdf"},
            }
        ],
    }


async def test_a_gif_header_takes_an_mp4_in_marketing_templates_and_is_sent_as_gif(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    async with media_server() as media:
        template = await approved_template(
            client,
            sandbox,
            tenant,
            name="promo_gif",
            category="MARKETING",
            header={"format": "GIF"},
            body="Our sale starts now, {{1}}!",
            body_examples=["Ann"],
            media_url=media + "/clip.mp4",
        )
        utility = await create(
            client,
            tenant,
            name="utility_gif",
            language="en_US",
            category="UTILITY",
            header={"format": "GIF"},
            body="Your parcel is on its way.",
            media_url=media + "/clip.mp4",
        )

    response = await _send(
        client,
        tenant,
        template_id=template["id"],
        variable=["Ann"],
        media_link="https://example.com/sale.mp4",
    )

    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"][0] == {
        "type": "header",
        "parameters": [{"type": "gif", "gif": {"link": "https://example.com/sale.mp4"}}],
    }
    assert utility.status_code == 400
    assert "A GIF header is not allowed in UTILITY templates" in utility.json()["details"]


async def test_another_accounts_key_cannot_send_the_header_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **ORDER)

    response = await _send(
        client, other_tenant, template_id=template["id"], variable=["A"], header_variable="1"
    )

    assert response.status_code == 404
