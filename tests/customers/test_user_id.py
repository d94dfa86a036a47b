"""Every endpoint that names a customer by `customer_phone` also takes `customer_user_id`, the
business-scoped user id (BSUID) of a user known without a phone, with get-customer's answers:
both given, neither, a malformed id and an unknown one; and never another account's customer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.messages.params import BAD_USER_ID, BOTH_NAMED
from mumble.models import Customer, CustomerLabel
from mumble.models.states import BotMode
from mumble.team.service import create_agent, create_team
from tests.api import call, delete, get, ok, post
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.customers.support import PHONE
from tests.messages.support import customer_writes

USER = "US.13491208655302741918"
# Each endpoint, its method, and the other fields a valid request carries (the customer is
# looked up before the agent, team, label or bot is).
NAMING = [
    ("GET", "is-active-conv", {}),
    ("POST", "edit-customer", {"name": "Dana"}),
    ("DELETE", "delete-customer", {}),
    ("POST", "edit-customer-conv-status", {"status": "in_progress"}),
    ("POST", "assign-customer-to-agent", {"agent_id": "x"}),
    ("POST", "assign-customer-to-team", {"team_id": "x"}),
    ("POST", "unassign-customer", {"from": "all"}),
    ("POST", "add-customer-to-label", {"label_name": "VIP"}),
    ("DELETE", "remove-customer-from-label", {"label_name": "VIP"}),
    ("POST", "assign-bot", {"bot_token": "AI"}),
    ("GET", "get-consent", {}),
    ("POST", "set-consent", {"marketing": "opted_in"}),
]
IDS = [endpoint for _, endpoint, _ in NAMING]


async def bsuid_customer(sandbox: SandboxHandle, tenant: Tenant, **spec: Any) -> Customer:
    """A user with no visible phone writes in: the webhook creates the customer by BSUID."""
    await customer_writes(sandbox, tenant, phone=None, user_id=USER, name="Noa", **spec)
    return await Customer.get(account_id=tenant.account.id, bsuid=USER)


async def _stored(tenant: Tenant) -> list[dict[str, Any]]:
    rows = await Customer.filter(account_id=tenant.account.id).order_by("id").values()
    labels = await CustomerLabel.filter(customer__account_id=tenant.account.id).count()
    return [*rows, {"labels": labels}]


@pytest.mark.parametrize(
    ("named", "status", "message"),
    [
        ({"customer_phone": PHONE, "customer_user_id": USER}, 400, BOTH_NAMED),
        ({"customer_user_id": "+972501234567"}, 400, BAD_USER_ID),
        ({"customer_user_id": "US.1 2"}, 400, BAD_USER_ID),
        ({"customer_user_id": "US.99"}, 404, "Customer not found"),
        ({}, 400, "Phone number is required."),
        ({"customer_user_id": ""}, 400, "Phone number is required."),
    ],
    ids=["both", "a-phone", "a-space", "unknown", "neither", "empty"],
)
@pytest.mark.parametrize(("method", "endpoint", "fields"), NAMING, ids=IDS)
async def test_bad_naming_is_refused_in_the_envelope_and_changes_nothing(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    method: str,
    endpoint: str,
    fields: dict[str, str],
    named: dict[str, str],
    status: int,
    message: str,
) -> None:
    await bsuid_customer(sandbox, tenant)
    ok(await post(client, tenant, "add-new-label", label_name="VIP"))
    before = await _stored(tenant)
    response = await call(client, tenant, method, endpoint, {**fields, **named})
    assert response.status_code == status, response.text
    assert response.json() == {"error": True, "message": message}
    assert await _stored(tenant) == before


@pytest.mark.parametrize(("method", "endpoint", "fields"), NAMING, ids=IDS)
async def test_another_accounts_key_never_reaches_the_bsuid_customer(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    make_tenant: MakeTenant,
    method: str,
    endpoint: str,
    fields: dict[str, str],
) -> None:
    other = await make_tenant("Other Co")
    await bsuid_customer(sandbox, tenant)
    ok(await post(client, other, "add-new-label", label_name="VIP"))
    before = await _stored(tenant)
    response = await call(client, other, method, endpoint, {**fields, "customer_user_id": USER})
    assert (response.status_code, response.json()) == (
        404,
        {"error": True, "message": "Customer not found"},
    )
    assert await _stored(tenant) == before
    assert await Customer.filter(account_id=other.account.id).count() == 0


async def test_edit_customer_by_user_id_edits_like_by_phone(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    customer = await bsuid_customer(sandbox, tenant)
    answer = ok(
        await post(
            client,
            tenant,
            "edit-customer",
            customer_user_id=USER,
            email="Noa@Example.com",
            utm_source="ad",
            tier="gold",
        )
    )
    assert answer["custom_fields_processed"] == ["tier"]
    await customer.refresh_from_db()
    assert (customer.phone, customer.bsuid, customer.name) == (None, USER, "Noa")
    assert customer.email == "Noa@example.com"
    assert customer.attribution == {"utm_source": "ad"}
    # The id names the customer: it is not stored as a custom field.
    assert customer.custom_fields == {"tier": "gold"}
    shown = ok(await get(client, tenant, "get-customer", customer_user_id=USER))["customer"]
    assert shown["custom_fields"] == {"tier": "gold"}


async def test_edit_customer_by_user_id_refuses_bad_fields_like_by_phone(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    customer = await bsuid_customer(sandbox, tenant)
    response = await post(client, tenant, "edit-customer", customer_user_id=USER, email="nope")
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to update customer due to invalid input"
    assert response.json()["details"][0].startswith("email: ")
    await customer.refresh_from_db()
    assert customer.email is None


async def test_a_customer_known_by_both_is_edited_by_either_and_stays_one(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, phone=PHONE, user_id=USER, text="from my phone")
    ok(await post(client, tenant, "edit-customer", customer_user_id=USER, name="By id"))
    ok(await post(client, tenant, "edit-customer", customer_phone=PHONE, plan="pro"))
    rows = await Customer.filter(account_id=tenant.account.id).values("phone", "bsuid", "name")
    assert rows == [{"phone": PHONE, "bsuid": USER, "name": "By id"}]
    customer = await Customer.get(account_id=tenant.account.id)
    assert customer.custom_fields == {"plan": "pro"}


async def test_delete_customer_by_user_id(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await bsuid_customer(sandbox, tenant)
    assert ok(await delete(client, tenant, "delete-customer", customer_user_id=USER)) == {
        "success": True,
        "message": "Customer deleted successfully",
    }
    assert not await Customer.exists(account_id=tenant.account.id)
    gone = await get(client, tenant, "get-customer", customer_user_id=USER)
    assert gone.status_code == 404


async def test_status_and_assignment_by_user_id_are_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    customer = await bsuid_customer(sandbox, tenant)
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    named = {"customer_user_id": USER}
    ok(await post(client, tenant, "edit-customer-conv-status", named, status="in_progress"))
    ok(await post(client, tenant, "assign-customer-to-agent", named, agent_id=str(agent.id)))
    ok(await post(client, tenant, "assign-customer-to-team", named, team_id=str(team.id)))
    await customer.refresh_from_db()
    assert customer.conversation_status == "in_progress"
    assert (customer.agent_id, customer.team_id) == (agent.id, team.id)  # type: ignore[attr-defined]
    removed = ok(await post(client, tenant, "unassign-customer", named, **{"from": "all"}))
    assert removed["unassigned"] == ["agent", "team"]
    await customer.refresh_from_db()
    assert (customer.agent_id, customer.team_id) == (None, None)  # type: ignore[attr-defined]


async def test_labels_bot_and_consent_by_user_id_are_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    customer = await bsuid_customer(sandbox, tenant)
    named = {"customer_user_id": USER}
    ok(await post(client, tenant, "add-new-label", label_name="VIP"))
    ok(await post(client, tenant, "add-customer-to-label", named, label_name="VIP"))
    assert await CustomerLabel.filter(customer_id=customer.id, label__name="VIP").exists()
    ok(await delete(client, tenant, "remove-customer-from-label", named, label_name="VIP"))
    assert not await CustomerLabel.filter(customer_id=customer.id).exists()
    ok(await post(client, tenant, "assign-bot", named, bot_token="AI"))
    ok(await post(client, tenant, "set-consent", named, marketing="opted_out", source="chat"))
    await customer.refresh_from_db()
    assert customer.bot_mode == BotMode.AI
    assert (customer.marketing_consent, customer.consent_source) == ("opted_out", "chat")
    consent = ok(await get(client, tenant, "get-consent", named))
    assert (consent["customer_phone"], consent["customer_user_id"]) == (None, USER)
    assert consent["consent"]["marketing"] == "opted_out"


async def test_is_active_conv_by_user_id_follows_the_users_window(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await bsuid_customer(sandbox, tenant)
    answer = ok(await get(client, tenant, "is-active-conv", customer_user_id=USER))
    assert answer == {"success": True, "is_active": True, "expires_at": "2026-06-30T12:00:00Z"}
