"""delete-template and edit-template: at Meta (the sandbox), then here, in this account only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Event, Template
from tests.api import call, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import (
    approved_template,
    create,
    list_templates,
    meta_requests,
    review,
    shown,
)

NOTE = {"name": "shipping_note", "body": "Your parcel {{1}} is on its way.", "body_examples": ["7"]}


async def _delete(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> httpx.Response:
    return await call(client, tenant, "DELETE", "delete-template", params)


async def _two_languages(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> tuple[dict[str, Any], dict[str, Any]]:
    english = await approved_template(client, sandbox, tenant, **NOTE)
    hebrew = await approved_template(client, sandbox, tenant, **NOTE, language="he")
    return english, hebrew


async def test_delete_removes_one_language_at_meta_then_here(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    english, hebrew = await _two_languages(client, sandbox, tenant)

    response = await _delete(client, tenant, template_id=english["id"])

    assert response.status_code == 200, response.text
    assert response.json() == {
        "success": True,
        "message": "Template deleted",
        "deleted": [english["id"]],
    }
    [asked] = [
        r for r in await meta_requests(sandbox, "/message_templates") if r["method"] == "DELETE"
    ]
    assert asked["query"] == {"name": "shipping_note", "hsm_id": english["meta_id"]}
    assert [t["id"] for t in await list_templates(client, tenant)] == [hebrew["id"]]
    assert english["meta_id"] not in sandbox.sandbox.state.templates
    assert hebrew["meta_id"] in sandbox.sandbox.state.templates
    events = await Event.filter(account_id=tenant.account.id, type="template.status_changed")
    assert [e.data["status"] for e in events][-1] == "DELETED"


async def test_delete_with_all_languages_removes_every_language_by_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    english, hebrew = await _two_languages(client, sandbox, tenant)

    response = await _delete(client, tenant, template_id=hebrew["meta_id"], all_languages=True)

    assert response.status_code == 200, response.text
    assert sorted(response.json()["deleted"]) == sorted([english["id"], hebrew["id"]])
    [asked] = [
        r for r in await meta_requests(sandbox, "/message_templates") if r["method"] == "DELETE"
    ]
    assert asked["query"] == {"name": "shipping_note"}
    assert await list_templates(client, tenant) == []


async def test_a_template_meta_no_longer_has_is_deleted_here_too(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)
    sandbox.sandbox.state.templates.pop(template["meta_id"])

    response = await _delete(client, tenant, template_id=template["id"])

    assert response.status_code == 200, response.text
    assert await list_templates(client, tenant) == []


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "Template ID is required."),
        ({"template_id": "nope"}, 404, "Template not found"),
        (
            {"template_id": "{id}", "all_languages": "maybe"},
            400,
            "'all_languages' must be true or false",
        ),
    ],
)
async def test_bad_deletes_are_refused_and_delete_nothing(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    params: dict[str, Any],
    status: int,
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)
    params = {
        k: v.replace("{id}", template["id"]) if isinstance(v, str) else v for k, v in params.items()
    }

    response = await _delete(client, tenant, **params)

    assert (response.status_code, response.json()["message"]) == (status, message)
    assert len(await list_templates(client, tenant)) == 1
    assert template["meta_id"] in sandbox.sandbox.state.templates


async def test_another_accounts_key_can_neither_delete_nor_edit_the_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)

    deleted = await _delete(client, other_tenant, template_id=template["id"])
    edited = await post(
        client, other_tenant, "edit-template", template_id=template["id"], body="Hi there, friend."
    )

    assert deleted.status_code == edited.status_code == 404
    assert (await shown(client, tenant, template["id"]))["body"] == NOTE["body"]
    assert template["meta_id"] in sandbox.sandbox.state.templates


async def test_edit_replaces_the_content_at_meta_and_it_is_reviewed_again(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)
    edit = {"body": "Parcel {{1}} left our depot, {{2}}.", "body_examples": ["7", "Ann"]}

    response = await post(client, tenant, "edit-template", template_id=template["id"], **edit)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Template updated"
    assert body["template"]["status"] == "PENDING"
    assert body["template"]["body"] == edit["body"]
    assert body["template"]["body_variables"] == 2
    [asked] = await meta_requests(sandbox, f"/{template['meta_id']}")
    assert asked["method"] == "POST"
    assert asked["json"] == {
        "components": [
            {"type": "BODY", "text": edit["body"], "example": {"body_text": [["7", "Ann"]]}}
        ]
    }
    reviewed = await review(sandbox, template["meta_id"])
    assert reviewed["status"] == "APPROVED"
    assert (await shown(client, tenant, template["id"]))["status"] == "APPROVED"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"category": "MARKETING"}, "The category of an approved template cannot be changed"),
        ({"body": "Hi {{1}} and {{3}} today."}, "Invalid template configuration"),
        ({"body": ""}, "Body text is required"),
    ],
)
async def test_edits_meta_refuses_are_refused_before_meta(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    edit: dict[str, Any],
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)

    response = await post(
        client, tenant, "edit-template", {"template_id": template["id"], **NOTE, **edit}
    )

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert await meta_requests(sandbox, f"/{template['meta_id']}") == []
    stored = await Template.get(id=template["id"])
    assert (stored.status, stored.body) == ("APPROVED", NOTE["body"])


async def test_a_pending_template_cannot_be_edited(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await create(client, tenant, language="en_US", category="UTILITY", **NOTE)
    template_id = created.json()["data"]["id"]

    response = await post(client, tenant, "edit-template", template_id=template_id, **NOTE)

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Template is PENDING and cannot be edited (only APPROVED, REJECTED or PAUSED templates can)"
    )


async def test_a_rejected_template_may_change_its_category(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    created = await create(client, tenant, language="en_US", category="UTILITY", **NOTE)
    data = created.json()["data"]
    await sandbox.control.post(
        f"/_sandbox/templates/{data['meta_id']}/status",
        json={"status": "REJECTED", "reason": "INCORRECT_CATEGORY"},
    )

    response = await post(
        client, tenant, "edit-template", template_id=data["id"], category="MARKETING", **NOTE
    )

    assert response.status_code == 200, response.text
    assert response.json()["template"]["category"] == "MARKETING"
    [asked] = await meta_requests(sandbox, f"/{data['meta_id']}")
    assert asked["json"]["category"] == "MARKETING"


async def test_meta_allows_an_approved_template_one_edit_a_day(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await approved_template(client, sandbox, tenant, **NOTE)
    first = await post(client, tenant, "edit-template", template_id=template["id"], **NOTE)
    reviewed = await review(sandbox, template["meta_id"])
    assert reviewed["status"] == "APPROVED", reviewed

    second = await post(client, tenant, "edit-template", template_id=template["id"], **NOTE)
    after_refusal = (await Template.get(id=template["id"])).status
    clock.advance(hours=25)
    third = await post(client, tenant, "edit-template", template_id=template["id"], **NOTE)

    assert first.status_code == 200, first.text
    assert second.status_code == 400
    assert second.json()["message"] == "WhatsApp rejected the request: Invalid parameter"
    assert second.json()["details"] == ["An approved template can be edited once in 24 hours"]
    assert after_refusal == "APPROVED"
    assert third.status_code == 200, third.text
