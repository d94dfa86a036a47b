"""create-campaign from labels, phones, conversation statuses and all customers: the audience
materialised with its skips, one 400 listing every problem, and nothing written on refusal."""

from __future__ import annotations

import httpx

from mumble.models import Campaign, CampaignRecipient, Customer, Event
from tests.api import body
from tests.campaigns.support import create, created, customer, label, sale_template, stored
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import approved_template

NAME = {"field": "name", "fallback": "there"}


async def test_a_label_campaign_queues_its_customers_once_and_skips_the_opted_out(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip, new = await label(tenant, "VIP"), await label(tenant, "New")
    await customer(tenant, "972500000001", vip, new, name="Ann")
    await customer(tenant, "972500000002", vip)
    await customer(tenant, "972500000003", new, opted_out=True)
    await customer(tenant, "972500000004")  # in neither label
    other_vip = await label(other_tenant, "VIP")
    await customer(other_tenant, "972500000005", other_vip)

    campaign = await created(
        client,
        tenant,
        name="Winter sale",
        template_id=template["id"],
        labels=["VIP", "New"],
        values={"variables": [NAME]},
    )

    assert campaign["status"] == "running"
    assert campaign["recipients"] == 3
    assert campaign["name"] == "Winter sale"
    assert campaign["values"] == {"variables": [NAME]}
    assert await stored(campaign["id"]) == [
        ("972500000001", "queued", None),
        ("972500000002", "queued", None),
        ("972500000003", "skipped", "opted_out"),
    ]
    row = await Campaign.get(id=campaign["id"])
    assert (row.status, row.started_at, row.send_at) == ("running", None, row.created_at)


async def test_phones_become_customers_and_repeats_and_bad_phones_are_skipped_with_a_reason(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice!")
    vip = await label(tenant, "VIP")
    await customer(tenant, "972500000001", vip)
    await customer(tenant, "972500000009", opted_out=True)  # UTILITY: consent does not matter

    campaign = await created(
        client,
        tenant,
        name="Notice",
        template_id=template["id"],
        phones=["+972 50-000-0002", "972500000001", "12", "972500000002", "972500000009"],
        labels=["VIP"],
    )

    assert await stored(campaign["id"]) == [
        ("972500000002", "queued", None),
        ("972500000001", "queued", None),
        ("12", "skipped", "invalid_phone"),
        ("972500000002", "skipped", "duplicate"),
        ("972500000009", "queued", None),
    ]
    assert campaign["recipients"] == 5
    new = await Customer.get(account_id=tenant.account.id, phone="972500000002")
    assert new.country == "IL"
    rows = await CampaignRecipient.filter(campaign_id=campaign["id"], phone="972500000002")
    assert {row.customer_id for row in rows} == {new.id}
    events = await Event.filter(account_id=tenant.account.id, type="customer.created")
    assert [e.customer_id for e in events] == [new.id]


async def test_statuses_and_all_customers_select_by_conversation_status_or_everyone(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice!")
    await customer(tenant, "972500000001", conversation_status="open")
    await customer(tenant, "972500000002", conversation_status="closed")
    await customer(tenant, "972500000003")
    await Customer.create(
        account_id=tenant.account.id, bsuid="US.1", updated_at=tenant.account.created_at
    )

    by_status = await created(
        client, tenant, name="Open", template_id=template["id"], conversation_statuses=["open"]
    )
    everyone = await created(
        client, tenant, name="All", template_id=template["id"], all_customers=True
    )

    assert [phone for phone, _, _ in await stored(by_status["id"])] == ["972500000001"]
    assert [phone for phone, _, _ in await stored(everyone["id"])] == [
        "972500000001",
        "972500000002",
        "972500000003",
    ]


async def test_one_400_lists_every_problem_and_nothing_is_written(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    before = await Customer.filter(account_id=tenant.account.id).count()

    response = await create(
        client,
        tenant,
        template_id=template["id"],
        labels=["Nope"],
        phones=["972500000001"],
        conversation_statuses=["dreaming"],
        values={"variables": [{"column": "first"}, "extra"], "colour": "red"},
        send_at="yesterday",
        max_per_second=-1,
    )

    assert response.status_code == 400, response.text
    assert body(response) == {
        "error": True,
        "message": "Invalid campaign",
        "details": [
            "name: required",
            "conversation_statuses: unknown status 'dreaming'",
            "labels: unknown label 'Nope'",
            "values: unknown key 'colour'",
            "variables: the template expects 1 variable(s), 2 given",
            "variables[1]: column 'first' needs a CSV audience",
            "send_at: 'send_at' must be an RFC 3339 time such as 2026-06-29T12:00:00Z",
            "max_per_second: must be a number above 0, at most 1000",
        ],
    }
    assert await Campaign.all().count() == 0
    assert await CampaignRecipient.all().count() == 0
    assert await Customer.filter(account_id=tenant.account.id).count() == before


async def test_a_template_that_is_not_approved_or_unknown_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    pending = await client.post(
        "/mumbleapi/create-template",
        json={"name": "later", "language": "en_US", "category": "UTILITY", "body": "Later"},
        headers=tenant.headers,
    )
    assert pending.status_code == 200, pending.text
    for template_id, problem in (
        (
            pending.json()["data"]["id"],
            "template_id: the template is PENDING (only APPROVED templates can be sent)",
        ),
        ("00000000-0000-4000-8000-000000000000", "template_id: Template not found"),
    ):
        response = await create(
            client, tenant, name="x", template_id=template_id, all_customers=True
        )
        assert response.status_code == 400, response.text
        assert body(response)["details"] == [problem]
    response = await create(client, tenant, name="x", template_id=pending.json()["data"]["id"])
    assert body(response)["details"] == [
        "template_id: the template is PENDING (only APPROVED templates can be sent)",
        "audience: give labels, phones, conversation_statuses, all_customers: true or a CSV file",
    ]
    assert await Campaign.all().count() == 0
