"""create-template and get-templates over real HTTP against the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Template
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import (
    REFERENCE_EXAMPLES,
    approved_template,
    create,
    list_templates,
    media_server,
    meta_requests,
    review,
    shown,
)


@pytest.mark.parametrize("example", REFERENCE_EXAMPLES, ids=lambda e: e["name"])
async def test_each_reference_example_is_created_pending_and_then_approved(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, example: dict[str, Any]
) -> None:
    async with media_server() as media:
        fields = dict(example)
        if "media_url" in fields:
            fields["media_url"] = media + fields["media_url"]
        response = await create(client, tenant, **fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["error"] is False
    assert body["message"] == "Template created successfully"
    assert body["data"]["status"] == "PENDING"
    row = await Template.get(id=body["data"]["id"], account_id=tenant.account.id)
    assert row.meta_id == body["data"]["meta_id"]
    assert row.status == "PENDING"
    # What Meta received: components that pass its own review.
    at_meta = (await sandbox.control.get("/_sandbox/templates")).json()["data"]
    submitted = next(t for t in at_meta if t["id"] == row.meta_id)
    assert submitted["name"] == example["name"]
    types = [c["type"] for c in submitted["components"]]
    assert "BODY" in types
    if "header" in example:
        header = submitted["components"][0]
        assert header["format"] == example["header"]["format"]
        assert header["example"]["header_handle"][0].startswith("4::")
        uploads = await meta_requests(sandbox, "/uploads")
        assert len(uploads) == 1
    assert row.meta_id is not None
    result = await review(sandbox, row.meta_id)
    assert result["status"] == "APPROVED", result["problems"]
    view = await shown(client, tenant, str(row.id))
    assert view["status"] == "APPROVED"
    assert view["name"] == example["name"]
    assert view["body"] == example["body"]
    assert view["body_variables"] == len(example.get("body_examples", []))
    assert view["footer"] == example.get("footer")
    assert [b["text"] for b in view["buttons"]] == [b["text"] for b in example.get("buttons", [])]


async def test_get_templates_lists_every_field_and_which_buttons_take_a_variable(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    async with media_server() as media:
        example = dict(REFERENCE_EXAMPLES[-1], media_url=media + "/banner.jpg")
        template = await approved_template(client, sandbox, tenant, **example)
    assert set(template) >= {
        "id",
        "name",
        "language",
        "category",
        "status",
        "rejection_reason",
        "body",
        "header",
        "footer",
        "buttons",
        "body_variables",
        "variable_buttons",
    }
    assert template["header"]["format"] == "IMAGE"
    assert template["body_variables"] == 3
    assert template["variable_buttons"] == [0]
    assert template["buttons"][0]["takes_variable"] is True
    assert template["rejection_reason"] is None


async def test_empty_account_lists_no_templates(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/mumbleapi/get-templates", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {"success": True, "templates": []}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"language": "en_US", "category": "UTILITY", "body": "Hi"}, "Template name is required"),
        ({"name": "  ", "language": "en_US", "body": "Hi"}, "Template name is required"),
        ({"name": "greeting", "language": "en_US", "category": "UTILITY"}, "Body text is required"),
        ({"name": "greeting", "body": "   "}, "Body text is required"),
    ],
)
async def test_missing_name_or_body_is_refused_with_the_reference_message(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, Any],
    message: str,
) -> None:
    response = await create(client, tenant, **fields)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}
    assert await meta_requests(sandbox, "message_templates") == []


GOOD = {"name": "greeting", "language": "en_US", "category": "UTILITY", "body": "Hello there!"}

# A request field broken -> the detail naming the rule (data-driven over what a client can send).
BROKEN_REQUESTS: list[tuple[dict[str, Any], str]] = [
    ({"name": "Greeting Card"}, "Template name may contain only lowercase letters"),
    ({"name": "g" * 513}, "Template name is longer than 512 characters"),
    ({"language": "xx_YY"}, "Language 'xx_YY' is not a supported template language"),
    ({"category": "PROMO"}, "Category must be one of MARKETING, UTILITY, AUTHENTICATION"),
    ({"body": "x" * 1025}, "Body text is longer than 1024 characters"),
    ({"body": "Hi {{name}}!", "body_examples": ["Ann"]}, "Variables must be written as {{1}}"),
    ({"body": "Hi {{1}} and {{3}}!", "body_examples": ["a", "b"]}, "without gaps"),
    (
        {"body": "{{1}} is here.", "body_examples": ["Ann"]},
        "Body text must not start with a variable",
    ),
    ({"body": "Welcome {{1}}", "body_examples": ["Ann"]}, "Body text must not end with a variable"),
    ({"body": "Hi {{1}}{{2}}!", "body_examples": ["a", "b"]}, "must not be next to each other"),
    (
        {"body": "Hi {{1}}, bye {{2}}!", "body_examples": ["a"]},
        "needs exactly one example for each",
    ),
    ({"body": "Hi {{1}}!", "body_examples": [""]}, "Variable examples must not be empty"),
    (
        {"header": {"format": "AUDIO"}, "media_url": "https://example.com/a.ogg"},
        "Header format 'AUDIO'",
    ),
    ({"header": {"format": "TEXT"}}, "Header text is required for a TEXT header"),
    ({"header": {"format": "TEXT", "text": "h" * 61}}, "Header text is longer than 60 characters"),
    ({"footer": "f" * 61}, "Footer text is longer than 60 characters"),
    ({"footer": "Bye {{1}}"}, "Footer text must not contain variables"),
    (
        {"buttons": [{"type": "QUICK_REPLY", "text": f"Q{i}"} for i in range(11)]},
        "At most 10 buttons are allowed",
    ),
    ({"buttons": [{"type": "SMOKE", "text": "x"}]}, "Button type 'SMOKE' is not supported"),
    (
        {"buttons": [{"type": "URL", "text": f"U{i}", "url": "https://ex.com"} for i in range(3)]},
        "At most 2 URL button(s) are allowed",
    ),
    (
        {"buttons": [{"type": "PHONE_NUMBER", "text": "C", "phone_number": "+15550001"}] * 2},
        "At most 1 PHONE_NUMBER button(s) are allowed",
    ),
    ({"buttons": [{"type": "QUICK_REPLY"}]}, "Button 1 needs a text"),
    ({"buttons": [{"type": "QUICK_REPLY", "text": "x" * 26}]}, "Button 1 text is longer than 25"),
    ({"buttons": [{"type": "URL", "text": "Go"}]}, "URL button 1 needs a url"),
    (
        {"buttons": [{"type": "URL", "text": "Go", "url": "https://e.com/" + "a" * 2000}]},
        "URL button 1 url is longer than 2000 characters",
    ),
    ({"buttons": [{"type": "URL", "text": "Go", "url": "ftp://e.com"}]}, "must start with http"),
    (
        {
            "buttons": [
                {"type": "URL", "text": "Go", "url": "https://e.com/{{1}}/x", "example": "a"}
            ]
        },
        "may have one variable, {{1}}, only at the end",
    ),
    (
        {"buttons": [{"type": "URL", "text": "Go", "url": "https://e.com/{{1}}"}]},
        "has a variable and needs exactly one example",
    ),
    (
        {"buttons": [{"type": "PHONE_NUMBER", "text": "Call"}]},
        "Phone button 1 needs a phone_number",
    ),
    (
        {"buttons": [{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+" + "1" * 20}]},
        "Phone button 1 number is longer than 20 characters",
    ),
    (
        {"buttons": [{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "call us"}]},
        "Phone button 1 number must be + and digits",
    ),
    (
        {
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Yes"},
                {"type": "URL", "text": "Go", "url": "https://e.com"},
                {"type": "QUICK_REPLY", "text": "No"},
            ]
        },
        "Quick reply buttons must be next to each other",
    ),
    (
        {
            "category": "AUTHENTICATION",
            "buttons": [{"type": "URL", "text": "Go", "url": "https://e.com"}],
        },
        "AUTHENTICATION templates cannot have URL buttons",
    ),
    (
        {"category": "AUTHENTICATION", "body": "Code {{1}} is valid.", "body_examples": ["1" * 16]},
        "AUTHENTICATION template examples are at most 15 characters",
    ),
    (
        {"category": "AUTHENTICATION", "body": "Your code \U0001f511 is ready."},
        "cannot contain emojis",
    ),
    (
        {
            "category": "AUTHENTICATION",
            "header": {"format": "IMAGE"},
            "media_url": "https://e.com/a.png",
        },
        "An IMAGE header is not allowed in AUTHENTICATION templates",
    ),
    # What the reference refuses on top of Meta's rules.
    # A header variable needs its example (Meta allows one variable in a TEXT header).
    (
        {"header": {"format": "TEXT", "text": "Order {{1}}"}},
        "Header has 1 variable(s) and needs exactly one example for each (0 given)",
    ),
    (
        {"header": {"format": "TEXT", "text": "Order {{1}} {{2}}", "example": ["a", "b"]}},
        "Header text may have at most 1 variable",
    ),
    ({"template_type": "carousel"}, "carousels, catalogs and MPM are not supported"),
    ({"template_type": "catalog"}, "carousels, catalogs and MPM are not supported"),
    ({"buttons": [{"type": "MPM", "text": "Shop"}]}, "Button type 'MPM' is not supported"),
    ({"buttons": [{"type": "CATALOG", "text": "Shop"}]}, "Button type 'CATALOG' is not supported"),
    ({"buttons": [{"type": "COPY_CODE", "example": "SAVE10"}]}, "type COPY_CODE is not supported"),
    ({"header": {"format": "IMAGE"}}, "An IMAGE header needs media_url"),
    ({"media_url": "https://example.com/a.png"}, "media_url is only used with an IMAGE"),
    ({"buttons": "not a list"}, "buttons must be a list of objects"),
    ({"body_examples": {"a": 1}}, "body_examples must be a list of texts"),
    ({"header": 7}, "header must be an object"),
]


@pytest.mark.parametrize(("change", "detail"), BROKEN_REQUESTS, ids=lambda v: str(v)[:40])
async def test_each_broken_rule_is_refused_before_meta_with_its_detail(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    change: dict[str, Any],
    detail: str,
) -> None:
    response = await create(client, tenant, **(GOOD | change))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Invalid template configuration"
    assert any(detail in d for d in body["details"]), body["details"]
    assert await meta_requests(sandbox, "message_templates") == []
    assert await Template.filter(account_id=tenant.account.id).count() == 0


async def test_every_broken_rule_is_listed_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await create(
        client,
        tenant,
        name="Bad Name",
        language="en_US",
        category="X",
        body="{{1}}",
        footer="f" * 70,
    )
    assert response.status_code == 400
    assert len(response.json()["details"]) >= 4


async def test_same_name_and_language_is_a_conflict_but_another_language_is_not(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await create(client, tenant, **GOOD)).status_code == 200
    again = await create(client, tenant, **GOOD)
    assert again.status_code == 409
    assert again.json() == {"error": True, "message": "Template name already exists"}
    hebrew = await create(client, tenant, **(GOOD | {"language": "he", "body": "שלום!"}))
    assert hebrew.status_code == 200, hebrew.text
    # Another account may use the same name.
    assert (await create(client, other_tenant, **GOOD)).status_code == 200
    assert len(await meta_requests(sandbox, "message_templates")) == 3


@pytest.mark.parametrize(
    ("path", "fmt", "reason"),
    [
        ("/page.html", "IMAGE", "the link is text/html"),
        ("/invoice.pdf", "IMAGE", "the link is application/pdf"),
        ("/banner.png", "DOCUMENT", "the link is image/png"),
        ("/missing.png", "IMAGE", "HTTP 404"),
        ("/huge.png", "IMAGE", "larger than 5242880 bytes"),
        ("/empty.png", "IMAGE", "no content"),
    ],
)
async def test_media_link_that_cannot_be_fetched_or_is_the_wrong_kind_is_refused(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    path: str,
    fmt: str,
    reason: str,
) -> None:
    async with media_server() as media:
        response = await create(
            client, tenant, **GOOD, header={"format": fmt}, media_url=media + path
        )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Media link is not valid"
    assert any(reason in d for d in body["details"]), body
    assert await meta_requests(sandbox, "/uploads") == []
    assert await meta_requests(sandbox, "message_templates") == []


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "file:///etc/passwd", "not a url"])
async def test_media_link_must_be_http(client: httpx.AsyncClient, tenant: Tenant, url: str) -> None:
    response = await create(client, tenant, **GOOD, header={"format": "IMAGE"}, media_url=url)
    assert response.status_code == 400
    assert response.json()["message"] == "Media link is not valid"


async def test_meta_refusing_the_template_leaves_nothing_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    fault = {"target": "templates", "error_code": 100, "error_message": "Invalid parameter"}
    assert (await sandbox.control.post("/_sandbox/faults", json=fault)).status_code == 200
    response = await create(client, tenant, **GOOD)
    assert response.status_code == 400, response.text
    assert response.json()["error"] is True
    assert await Template.filter(account_id=tenant.account.id).count() == 0
    # The name is free again once Meta accepts.
    assert (await create(client, tenant, **GOOD)).status_code == 200


async def test_an_account_without_a_channel_cannot_create(
    client: httpx.AsyncClient, make_tenant: Any
) -> None:
    tenant = await make_tenant("No channel", phone_number_id=None, waba_id=None, access_token=None)
    response = await create(client, tenant, **GOOD)
    assert response.status_code == 400
    assert response.json()["message"] == "WhatsApp channel is not configured for this account"


async def test_a_second_account_cannot_see_the_first_accounts_templates(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await approved_template(client, sandbox, tenant, **GOOD)
    assert len(await list_templates(client, tenant)) == 1
    assert await list_templates(client, other_tenant) == []


async def test_form_encoded_create_is_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/mumbleapi/create-template",
        data={
            "name": "form_made",
            "language": "en_US",
            "category": "UTILITY",
            "body": "Hi {{1}}, thanks!",
            "body_examples": '["Ann"]',
            "buttons": '[{"type": "QUICK_REPLY", "text": "Thanks"}]',
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
