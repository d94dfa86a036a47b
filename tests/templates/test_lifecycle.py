"""The approval lifecycle: status webhooks, quality and category updates, and the periodic sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
import pytest_asyncio

from mumble.clock import SystemClock
from mumble.models import Account, Event, Template
from mumble.settings import Settings
from mumble.templates.sync import sync_account, sync_all
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.payloads import webhook_envelope
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import post_signed
from tests.templates.support import create, list_templates, review, set_status, shown

GOOD = {"name": "shipping_note", "language": "en_US", "category": "UTILITY", "body": "Shipped!"}


async def _created(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await create(client, tenant, **(GOOD | fields))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def _status(client: httpx.AsyncClient, tenant: Tenant, template_id: str) -> str:
    return str((await shown(client, tenant, template_id))["status"])


async def _events(tenant: Tenant) -> list[dict[str, Any]]:
    rows = await Event.filter(
        account_id=tenant.account.id, type="template.status_changed"
    ).order_by("seq")
    return [r.data for r in rows]


async def _drop_webhooks(sandbox: SandboxHandle) -> None:
    fault = {"webhook": "drop", "count": None}
    assert (await sandbox.control.post("/_sandbox/faults", json=fault)).status_code == 200


@pytest_asyncio.fixture
async def graph(settings: Settings) -> AsyncIterator[GraphClient]:
    """A Graph client of the test's own against the sandbox the app uses."""
    async with aiohttp.ClientSession() as session:
        yield GraphClient(session, settings.graph_api_url, settings.whatsapp_api_version)


async def _sync(graph: GraphClient, tenant: Tenant) -> Any:
    return await sync_account(graph, SystemClock(), await Account.get(id=tenant.account.id))


LIFECYCLE = ["APPROVED", "PAUSED", "APPROVED", "DISABLED"]


async def test_full_lifecycle_is_driven_by_status_webhooks(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    data = await _created(client, tenant)
    assert await _status(client, tenant, data["id"]) == "PENDING"
    for status in LIFECYCLE:
        result = await set_status(sandbox, data["meta_id"], status)
        assert result["delivery"] == 200
        assert await _status(client, tenant, data["id"]) == status
    events = await _events(tenant)
    assert [e["status"] for e in events] == LIFECYCLE
    assert all(e["id"] == data["id"] and e["name"] == GOOD["name"] for e in events)
    row = await Template.get(id=data["id"])
    assert "disable_date" in (row.status_note or "")


async def test_full_lifecycle_is_reached_by_the_sync_alone_when_webhooks_are_dropped(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, graph: GraphClient
) -> None:
    data = await _created(client, tenant)
    await _drop_webhooks(sandbox)
    for status in LIFECYCLE:
        await set_status(sandbox, data["meta_id"], status)
        assert await _status(client, tenant, data["id"]) != status  # the webhook never came
        result = await _sync(graph, tenant)
        assert result.updated == 1
        assert await _status(client, tenant, data["id"]) == status
    assert [e["status"] for e in await _events(tenant)] == LIFECYCLE
    # A second sync with nothing new changes nothing and records nothing.
    again = await _sync(graph, tenant)
    assert (again.updated, again.imported, again.deleted) == (0, 0, 0)
    assert len(await _events(tenant)) == len(LIFECYCLE)


async def test_rejection_keeps_meta_reason_and_recommendation(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    data = await _created(client, tenant)
    info = {"reason": "Looks promotional", "recommendation": "Use MARKETING"}
    await set_status(sandbox, data["meta_id"], "REJECTED", reason="INCORRECT_CATEGORY", info=info)
    view = await shown(client, tenant, data["id"])
    assert view["status"] == "REJECTED"
    assert view["rejection_reason"] == "INCORRECT_CATEGORY"
    assert "Use MARKETING" in view["status_note"]
    # Approved after appeal: the reason is cleared.
    await set_status(sandbox, data["meta_id"], "IN_APPEAL")
    await set_status(sandbox, data["meta_id"], "APPROVED")
    view = await shown(client, tenant, data["id"])
    assert (view["status"], view["rejection_reason"]) == ("APPROVED", None)


async def test_sandbox_review_rejects_by_the_rulebook_and_the_reason_is_kept(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    data = await _created(client, tenant)
    # Meta's copy is broken behind our back (e.g. edited in WhatsApp Manager).
    sandbox.sandbox.state.templates[data["meta_id"]].problems = ["Body text is required"]
    result = await review(sandbox, data["meta_id"])
    assert result["status"] == "REJECTED"
    view = await shown(client, tenant, data["id"])
    assert (view["status"], view["rejection_reason"]) == ("REJECTED", "INVALID_FORMAT")
    assert "Body text is required" in view["status_note"]


@pytest.mark.parametrize("status", ["PENDING_DELETION", "IN_APPEAL", "LIMIT_EXCEEDED", "FLAGGED"])
async def test_other_meta_states_are_kept(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, status: str
) -> None:
    data = await _created(client, tenant)
    await set_status(sandbox, data["meta_id"], status)
    assert await _status(client, tenant, data["id"]) == status
    assert [e["status"] for e in await _events(tenant)] == [status]


async def _post_template_webhook(
    client: httpx.AsyncClient, waba_id: str, field: str, value: dict[str, Any]
) -> None:
    response = await post_signed(client, webhook_envelope(waba_id, field, value, time=1751000000))
    assert response.status_code == 200, response.text


async def test_quality_and_category_updates_are_kept(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = await _created(client, tenant)
    waba = str(tenant.account.waba_id)
    ids = {
        "message_template_id": int(data["meta_id"]),
        "message_template_name": GOOD["name"],
        "message_template_language": "en-US",
    }
    await _post_template_webhook(
        client,
        waba,
        "message_template_quality_update",
        ids | {"previous_quality_score": "UNKNOWN", "new_quality_score": "YELLOW"},
    )
    await _post_template_webhook(
        client,
        waba,
        "template_category_update",
        ids
        | {
            "new_category": "UTILITY",
            "correct_category": "MARKETING",
            "category_update_timestamp": 1751100000,
        },
    )
    row = await Template.get(id=data["id"])
    assert row.quality_score == "YELLOW"
    assert row.correct_category == "MARKETING"
    assert row.category_update_at is not None
    assert row.category_update_at.timestamp() == 1751100000
    await _post_template_webhook(
        client,
        waba,
        "template_category_update",
        ids | {"previous_category": "UTILITY", "new_category": "MARKETING"},
    )
    view = await shown(client, tenant, data["id"])
    assert view["category"] == "MARKETING"
    assert view["quality_score"] == "YELLOW"
    row = await Template.get(id=data["id"])
    assert (row.previous_category, row.correct_category) == ("UTILITY", None)
    assert await _events(tenant) == []  # the status never moved


async def test_a_webhook_cannot_touch_another_accounts_template(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    data = await _created(client, tenant)
    value = {
        "event": "DISABLED",
        "message_template_id": int(data["meta_id"]),
        "message_template_name": GOOD["name"],
        "message_template_language": "en_US",
        "reason": "NONE",
    }
    await _post_template_webhook(
        client, str(other_tenant.account.waba_id), "message_template_status_update", value
    )
    assert await _status(client, tenant, data["id"]) == "PENDING"
    await _post_template_webhook(
        client, str(tenant.account.waba_id), "message_template_status_update", value
    )
    assert await _status(client, tenant, data["id"]) == "DISABLED"


async def test_a_webhook_for_an_unknown_template_is_acknowledged_and_ignored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    value = {
        "event": "APPROVED",
        "message_template_id": 999,
        "message_template_name": "not_ours",
        "message_template_language": "en_US",
        "reason": "NONE",
    }
    await _post_template_webhook(
        client, str(tenant.account.waba_id), "message_template_status_update", value
    )
    assert await Template.filter(account_id=tenant.account.id).count() == 0


def _seed(sandbox: SandboxHandle, tenant: Tenant, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "waba_id": tenant.account.waba_id,
        "name": name,
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::x"]}},
            {
                "type": "BODY",
                "text": "Hello {{1}}, {{2}} off today!",
                "example": {"body_text": [["Ann", "10%"]]},
            },
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "URL",
                        "text": "Shop",
                        "url": "https://ex.com/s/{{1}}",
                        "example": ["a"],
                    }
                ],
            },
        ],
        **extra,
    }


async def test_sync_imports_templates_created_outside_mumble(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    other_tenant: Tenant,
    graph: GraphClient,
) -> None:
    seeded = await sandbox.control.post("/_sandbox/templates", json=_seed(sandbox, tenant, "promo"))
    assert seeded.status_code == 200, seeded.text
    results = await sync_all(graph, SystemClock())
    assert results[str(tenant.account.id)].imported == 1
    assert results[str(other_tenant.account.id)].imported == 0
    [view] = await list_templates(client, tenant)
    assert view["name"] == "promo"
    assert view["status"] == "APPROVED"
    assert view["origin"] == "meta"
    assert view["meta_id"] == seeded.json()["id"]
    assert view["header"] == {"format": "IMAGE"}
    assert view["body"] == "Hello {{1}}, {{2}} off today!"
    assert view["footer"] == "Reply STOP to opt out"
    assert view["body_variables"] == 2
    assert view["variable_buttons"] == [0]
    assert await list_templates(client, other_tenant) == []
    # Importing twice never duplicates.
    again = await _sync(graph, tenant)
    assert (again.imported, again.updated) == (0, 0)
    assert len(await list_templates(client, tenant)) == 1


async def test_sync_reads_every_page(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, graph: GraphClient
) -> None:
    for i in range(130):
        seed = _seed(sandbox, tenant, f"bulk_{i:03d}")
        assert (await sandbox.control.post("/_sandbox/templates", json=seed)).status_code == 200
    result = await _sync(graph, tenant)
    assert result.imported == 130
    listed = (await sandbox.control.get("/_sandbox/requests")).json()["data"]
    pages = [r for r in listed if r["path"].endswith("/message_templates") and r["method"] == "GET"]
    assert len(pages) == 2
    assert len(await list_templates(client, tenant)) == 130


async def test_sync_marks_a_template_meta_no_longer_lists_as_deleted(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, graph: GraphClient
) -> None:
    data = await _created(client, tenant)
    await review(sandbox, data["meta_id"])
    del sandbox.sandbox.state.templates[data["meta_id"]]
    result = await _sync(graph, tenant)
    assert result.deleted == 1
    assert await _status(client, tenant, data["id"]) == "DELETED"
    assert [e["status"] for e in await _events(tenant)] == ["APPROVED", "DELETED"]


async def test_sync_failure_for_one_account_does_not_stop_the_others(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, graph: GraphClient
) -> None:
    data = await _created(client, tenant)
    await _drop_webhooks(sandbox)
    await set_status(sandbox, data["meta_id"], "APPROVED")
    fault = {"target": "templates", "error_code": 190, "http_status": 401, "count": 1}
    assert (await sandbox.control.post("/_sandbox/faults", json=fault)).status_code == 200
    results = await sync_all(graph, SystemClock())
    assert str(tenant.account.id) not in results
    assert await _status(client, tenant, data["id"]) == "PENDING"
    results = await sync_all(graph, SystemClock())
    assert results[str(tenant.account.id)].updated == 1
    assert await _status(client, tenant, data["id"]) == "APPROVED"


async def test_sync_frees_a_name_whose_create_never_reached_meta(
    client: httpx.AsyncClient, tenant: Tenant, graph: GraphClient
) -> None:
    # What a crash between reserving the name and Meta's answer leaves behind.
    stale = await Template.create(
        account_id=tenant.account.id, name="ghost", language="en_US", category="UTILITY", body="x"
    )
    fresh = await Template.create(
        account_id=tenant.account.id, name="busy", language="en_US", category="UTILITY", body="x"
    )
    await Template.filter(id=stale.id).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    )
    await _sync(graph, tenant)
    assert not await Template.exists(id=stale.id)
    assert await Template.exists(id=fresh.id)  # may still be on its way to Meta


@pytest.mark.parametrize(
    ("event", "other_info", "expected"),
    [
        ("PAUSED", {"title": "UNPAUSE", "description": "Unpaused"}, "APPROVED"),
        ("PAUSED", {"title": "DISABLED", "description": "Paused too often"}, "DISABLED"),
        ("PAUSED", {"title": "SECOND_PAUSE", "description": "6 hours"}, "PAUSED"),
        ("REINSTATED", None, "APPROVED"),
    ],
)
async def test_pause_titles_and_reinstatement_map_to_the_sendable_state(
    client: httpx.AsyncClient,
    tenant: Tenant,
    event: str,
    other_info: dict[str, str] | None,
    expected: str,
) -> None:
    data = await _created(client, tenant)
    value: dict[str, Any] = {
        "event": event,
        "message_template_id": int(data["meta_id"]),
        "message_template_name": GOOD["name"],
        "message_template_language": "en_US",
        "reason": "NONE",
    }
    if other_info:
        value["other_info"] = other_info
    await _post_template_webhook(
        client, str(tenant.account.waba_id), "message_template_status_update", value
    )
    assert await _status(client, tenant, data["id"]) == expected
