"""Named template parameters ({{first_name}}, `parameter_format: NAMED`) end to end: created with
named examples, imported by the sync with their names, sent with an object of names to values as
Meta's `parameter_name` parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
import pytest_asyncio

from mumble.clock import SystemClock
from mumble.models import Account, Message
from mumble.settings import Settings
from mumble.templates.sync import sync_account
from mumble.whatsapp.client import GraphClient
from tests.api import post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import PHONE, approved_template, create, meta_requests

WELCOME = {
    "name": "welcome_named",
    "category": "MARKETING",
    "parameter_format": "NAMED",
    "body": "Welcome {{first_name}}, enjoy {{perk}} on us!",
    "body_examples": {"first_name": "Ann", "perk": "10%"},
}


async def _send(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(
        client, tenant, "send-template-text-variable", {"customer_phone": PHONE, **fields}
    )


async def test_a_named_template_is_created_listed_and_sent_by_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **WELCOME)
    [submitted] = [r for r in await meta_requests(sandbox, "/message_templates") if "json" in r]

    response = await _send(
        client, tenant, template_id=template["id"], variable={"perk": "10%", "first_name": "Ann"}
    )

    assert submitted["json"]["parameter_format"] == "named"
    assert submitted["json"]["components"][0]["example"] == {
        "body_text_named_params": [
            {"param_name": "first_name", "example": "Ann"},
            {"param_name": "perk", "example": "10%"},
        ]
    }
    assert template["parameter_format"] == "NAMED"
    assert template["variables"] == ["first_name", "perk"]
    assert template["body_variables"] == 2
    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    assert sent["payload"]["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Ann"},
                {"type": "text", "parameter_name": "perk", "text": "10%"},
            ],
        }
    ]
    message = await Message.get(wamid=response.json()["message_wa_id"])
    assert message.text == "Welcome Ann, enjoy 10% on us!"


async def test_named_examples_may_be_given_in_metas_own_shape(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    examples = [
        {"param_name": "first_name", "example": "Ann"},
        {"param_name": "perk", "example": 5},
    ]

    template = await approved_template(
        client, sandbox, tenant, **(WELCOME | {"body_examples": examples})
    )

    assert template["variables"] == ["first_name", "perk"]


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        (
            {"body_examples": {"first_name": "Ann"}},
            "Body needs a named example for each variable (missing: perk)",
        ),
        ({"body_examples": ["Ann", "10%"]}, "body_examples of a NAMED template must be an object"),
        ({"body": "Welcome {{1}}, enjoy {{2}}!"}, "Named variables must be written as"),
        ({"parameter_format": "FANCY"}, "parameter_format must be one of POSITIONAL, NAMED"),
    ],
)
async def test_bad_named_templates_are_refused_naming_the_rule_and_nothing_reaches_meta(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, Any],
    detail: str,
) -> None:
    response = await create(client, tenant, language="en_US", **(WELCOME | fields))

    assert response.status_code == 400
    assert response.json()["message"] == "Invalid template configuration"
    assert any(d.startswith(detail) for d in response.json()["details"]), response.json()
    assert await meta_requests(sandbox, "/message_templates") == []


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        (
            ["Ann", "10%"],
            "Template has named variables (first_name, perk): "
            "pass variable as an object of names to values",
        ),
        (
            {"first_name": "Ann"},
            "Template expects the variables first_name, perk, first_name given",
        ),
        (
            {"first_name": "Ann", "perk": "1", "extra": "x"},
            "Template expects the variables first_name, perk, first_name, perk, extra given",
        ),
    ],
)
async def test_named_values_that_do_not_match_are_refused_before_meta(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    variable: Any,
    message: str,
) -> None:
    template = await approved_template(client, sandbox, tenant, **WELCOME)

    response = await _send(client, tenant, template_id=template["id"], variable=variable)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_positional_template_refuses_values_by_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_note",
        body="Order {{1}} is ready.",
        body_examples=["7"],
    )

    by_name = await _send(client, tenant, template_id=template["id"], variable={"1": "7"})
    in_order = await _send(client, tenant, template_id=template["id"], variable=["7"])

    assert by_name.status_code == 400
    assert by_name.json()["message"] == (
        "Template has positional variables: pass variable as an array of values in order"
    )
    assert in_order.status_code == 200, in_order.text
    assert template["parameter_format"] == "POSITIONAL"
    assert template["variables"] == ["1"]


async def test_values_by_name_must_be_texts(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **WELCOME)

    nested = await _send(
        client, tenant, template_id=template["id"], variable={"first_name": {"a": 1}, "perk": "x"}
    )

    assert nested.status_code == 400
    assert nested.json()["message"] == "'variable' must be an array of texts"


async def test_another_accounts_key_cannot_send_the_named_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, **WELCOME)

    response = await _send(
        client, other_tenant, template_id=template["id"], variable={"first_name": "A", "perk": "B"}
    )

    assert response.status_code == 404
    assert response.json()["message"] == "Template not found"
    assert await sent_to_meta(sandbox, other_tenant) == []


@pytest_asyncio.fixture
async def graph(settings: Settings) -> AsyncIterator[GraphClient]:
    async with aiohttp.ClientSession() as session:
        yield GraphClient(session, settings.graph_api_url, settings.whatsapp_api_version)


async def test_a_named_template_made_at_meta_is_imported_with_its_names_and_sendable(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, graph: GraphClient
) -> None:
    seeded = await sandbox.control.post(
        "/_sandbox/templates",
        json={
            "waba_id": tenant.account.waba_id,
            "name": "made_at_meta",
            "language": "en_US",
            "category": "MARKETING",
            "parameter_format": "NAMED",
            "components": [
                {
                    "type": "BODY",
                    "text": "Hi {{first_name}}, your code is {{code}}.",
                    "example": {
                        "body_text_named_params": [
                            {"param_name": "first_name", "example": "Ann"},
                            {"param_name": "code", "example": "X1"},
                        ]
                    },
                }
            ],
        },
    )
    assert seeded.status_code == 200, seeded.text

    result = await sync_account(graph, SystemClock(), await Account.get(id=tenant.account.id))
    response = await _send(
        client, tenant, template_id=seeded.json()["id"], variable={"first_name": "Bo", "code": "Z9"}
    )

    assert result.imported == 1
    assert response.status_code == 200, response.text
    [sent] = await sent_to_meta(sandbox, tenant)
    names = [
        p["parameter_name"] for p in sent["payload"]["template"]["components"][0]["parameters"]
    ]
    assert names == ["first_name", "code"]
