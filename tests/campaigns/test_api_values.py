"""create-campaign's values against the template (named, button and header variables), its
schedule and rate cap, and its Idempotency-Key."""

from __future__ import annotations

import datetime as dt

import httpx

from mumble.campaigns import values
from mumble.idempotency import MAX_KEY_LENGTH
from mumble.models import Campaign, CustomFieldDefinition
from tests.api import body
from tests.campaigns.support import create, created, customer, label, sale_template
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import approved_template

WELCOME = {
    "name": "welcome_named",
    "category": "MARKETING",
    "parameter_format": "NAMED",
    "body": "Welcome {{first_name}}, enjoy {{perk}} on us!",
    "body_examples": {"first_name": "Ann", "perk": "10%"},
}
ORDER = {
    "name": "order_ready",
    "header": {"format": "TEXT", "text": "Order {{1}}", "example": "42"},
    "body": "Hi {{1}}, your order is ready.",
    "body_examples": ["Ann"],
    "buttons": [
        {"type": "URL", "text": "Track", "url": "https://e.com/{{1}}", "example": "a"},
    ],
}


async def test_named_variables_are_checked_by_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **WELCOME)
    await label(tenant, "VIP")
    common = {"name": "Welcome", "template_id": template["id"], "labels": ["VIP"]}

    wrong = await create(
        client, tenant, **common, values={"variables": {"first_name": "x", "colour": "red"}}
    )
    assert wrong.status_code == 400, wrong.text
    assert body(wrong)["details"] == [
        "variables: 'perk' is missing",
        "variables: the template has no variable 'colour'",
    ]
    in_order = await create(client, tenant, **common, values={"variables": ["a", "b"]})
    assert body(in_order)["details"] == [
        "variables: the template has named variables (first_name, perk): pass an object of "
        "names to values"
    ]

    spec = {"variables": {"first_name": {"field": "name", "fallback": "friend"}, "perk": "10%"}}
    campaign = await created(client, tenant, **common, values=spec)
    assert campaign["values"] == spec
    assert (await Campaign.get(id=campaign["id"])).values == spec


async def test_button_and_header_variables_are_required_and_references_are_checked(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **ORDER)
    await label(tenant, "VIP")
    common = {"name": "Orders", "template_id": template["id"], "labels": ["VIP"]}

    missing = await create(
        client, tenant, **common, values={"variables": [{"field": ""}], "media_link": "x"}
    )
    assert body(missing)["details"] == [
        "variables[1]: 'field' must be a name of 1 to 100 characters",
        "button_variables: the template expects 1 button variable(s), 0 given",
        "header_variable: the template has a header variable: give its value",
        "media_link: the template has no media header",
    ]
    odd = await create(
        client,
        tenant,
        **common,
        values={
            "variables": [{"field": "name", "column": "x"}],
            "button_variables": [7],
            "header_variable": {"field": "order", "fallback": 3},
        },
    )
    assert body(odd)["details"] == [
        "variables[1]: give exactly one of 'field' or 'column'",
        'button_variables[1]: must be a text, {"field": ...} or {"column": ...}',
        "header_variable: unknown field 'order' (a standard field, an attribution key or one of "
        "the account's custom fields)",
        "header_variable: 'fallback' must be a text of at most 1024 characters",
    ]
    await CustomFieldDefinition.create(account_id=tenant.account.id, name="order_ref")

    campaign = await created(
        client,
        tenant,
        **common,
        values={
            "variables": [{"field": "name", "fallback": "there"}],
            "button_variables": [{"field": "order_ref"}],
            "header_variable": {"field": "utm_campaign", "fallback": "-"},
        },
    )
    assert campaign["status"] == "running"


def test_media_headers_and_authentication_templates_take_their_own_values() -> None:
    image = values.TemplateShape("MARKETING", "POSITIONAL", "Sale!", 0, [], {"format": "IMAGE"})
    none = values.Known()
    assert values.problems(image, {}, none) == [
        "media_link: required for a template with a IMAGE header"
    ]
    assert values.problems(image, {"media_link": "ftp://x/y.png"}, none) == [
        "media_link: must be an http(s) URL"
    ]
    assert values.problems(image, {"media_link": "https://cdn.example/y.png"}, none) == []
    code = values.TemplateShape(
        "AUTHENTICATION", "POSITIONAL", "{{1}} is your verification code.", 1, [], None
    )
    csv = values.Known(columns=["phone", "code"])
    assert values.problems(code, {"variables": [{"column": "code"}]}, csv) == []
    assert values.problems(
        code, {"variables": [{"column": "otp"}], "button_variables": ["1"]}, csv
    ) == [
        "variables[1]: the CSV has no column 'otp'",
        "button_variables: an authentication template takes its code once, in variables: "
        "leave button_variables out",
    ]


async def test_a_later_send_at_schedules_it_and_the_rate_cap_is_kept(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    await customer(tenant, "972500000001", vip)
    later = clock.now() + dt.timedelta(hours=2)

    campaign = await created(
        client,
        tenant,
        name="Tomorrow",
        template_id=template["id"],
        labels=["VIP"],
        values={"variables": ["friend"]},
        send_at=later.isoformat(),
        max_per_second="2.5",
    )

    assert campaign["status"] == "scheduled"
    assert campaign["send_at"] == later.isoformat().replace("+00:00", "Z")
    assert campaign["max_per_second"] == 2.5
    too_far = await create(
        client,
        tenant,
        name="Too far",
        template_id=template["id"],
        labels=["VIP"],
        values={"variables": ["x"]},
        send_at=(clock.now() + dt.timedelta(days=31)).isoformat(),
    )
    assert body(too_far)["details"] == ["send_at: 'send_at' must be at most 30 days ahead"]


async def test_a_retried_create_with_the_same_idempotency_key_answers_the_same_campaign(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    await customer(tenant, "972500000001", vip)
    request = {
        "name": "Once",
        "template_id": template["id"],
        "labels": ["VIP"],
        "values": {"variables": ["friend"]},
    }
    headers = {**tenant.headers, "Idempotency-Key": "campaign-1"}

    first = await client.post("/mumbleapi/create-campaign", json=request, headers=headers)
    again = await client.post("/mumbleapi/create-campaign", json=request, headers=headers)
    other = await client.post(
        "/mumbleapi/create-campaign", json={**request, "name": "Twice"}, headers=headers
    )

    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409, other.text
    assert await Campaign.all().count() == 1
    stored = await Campaign.get(id=first.json()["campaign"]["id"])
    assert stored.idempotency_key == "campaign-1"


async def test_an_idempotency_key_of_the_longest_allowed_length_creates_the_campaign(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    # Any key the header accepts (1 to 255 characters) is stored with the campaign; a 201+
    # character key was a 500 (the column held 200), found by the schema fuzzer.
    template = await sale_template(client, sandbox, tenant)
    request = {
        "name": "Long key",
        "template_id": template["id"],
        "phones": ["972500000001"],
        "values": {"variables": ["friend"]},
    }
    key = "k" * MAX_KEY_LENGTH
    headers = {**tenant.headers, "Idempotency-Key": key}

    first = await client.post("/mumbleapi/create-campaign", json=request, headers=headers)
    again = await client.post("/mumbleapi/create-campaign", json=request, headers=headers)

    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json()
    stored = await Campaign.get(id=first.json()["campaign"]["id"])
    assert stored.idempotency_key == key
