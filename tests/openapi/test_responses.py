"""Real answers of every endpoint match what /openapi.json declares: one table of requests.

Each scenario prepares what its requests need, then sends them in order; every answer must have
the expected status and validate against the document (status declared, content type, body
schema, declared headers). Values an earlier answer gave (a message id, a webhook id) are kept
under a name and fill `{name}` in later requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import TEST_VERIFY_TOKEN, SandboxHandle, Tenant
from tests.messages.support import PHONE
from tests.openapi import setups as given
from tests.openapi.asks import Ask, Setup, World, filled
from tests.openapi.scenarios_sending import MESSAGING_SCENARIOS
from tests.openapi.setups import CUSTOMER, LABEL, USER_ID
from tests.openapi.support import check

BY_USER_ID = {"customer_user_id": USER_ID}
SCENARIOS: dict[str, tuple[Setup, tuple[Ask, ...]]] = {
    "customers": (
        given.nothing,
        (
            Ask("POST", "/mumbleapi/add-new-customer", 200, json=CUSTOMER),
            Ask("POST", "/mumbleapi/add-new-customer", 409, json=CUSTOMER),
            Ask(
                "POST",
                "/mumbleapi/edit-customer",
                200,
                data={"customer_phone": PHONE, "plan": "pro"},
            ),
            Ask("GET", "/mumbleapi/get-customer", 200, params={"customer_phone": PHONE}),
            Ask("GET", "/mumbleapi/get-customer", 404, params={"customer_phone": "15550001111"}),
            Ask("GET", "/mumbleapi/get-customer", 400),
            Ask(
                "GET",
                "/mumbleapi/get-customer",
                404,
                params={"customer_user_id": "US.13491208655302741918"},
            ),
            Ask("GET", "/mumbleapi/get-all-customers", 200, params={"page": 1}),
            Ask(
                "POST",
                "/mumbleapi/edit-customer-conv-status",
                400,
                json={"customer_phone": PHONE, "status": "nope"},
            ),
            Ask(
                "POST",
                "/mumbleapi/assign-customer-to-agent",
                404,
                json={"customer_phone": PHONE, "agent_id": "x"},
            ),
            Ask(
                "POST",
                "/mumbleapi/unassign-customer",
                200,
                json={"customer_phone": PHONE, "from": "all"},
            ),
            Ask(
                "POST",
                "/mumbleapi/unassign-customer",
                400,
                json={"customer_phone": PHONE, "from": "bot"},
            ),
            Ask("DELETE", "/mumbleapi/delete-customer", 200, params={"customer_phone": PHONE}),
            Ask(
                "POST",
                "/mumbleapi/unassign-customer",
                404,
                json={"customer_phone": PHONE, "from": "all"},
            ),
        ),
    ),
    "custom fields": (
        given.nothing,
        (
            Ask("POST", "/mumbleapi/add-new-customer", 200, json=CUSTOMER),
            Ask("GET", "/mumbleapi/get-custom-fields", 200),
            Ask("DELETE", "/mumbleapi/delete-custom-field", 200, params={"name": "tier"}),
            Ask("DELETE", "/mumbleapi/delete-custom-field", 404, params={"name": "tier"}),
            Ask("DELETE", "/mumbleapi/delete-custom-field", 400),
        ),
    ),
    "consent": (
        given.nothing,
        (
            Ask("POST", "/mumbleapi/add-new-customer", 200, json=CUSTOMER),
            Ask("GET", "/mumbleapi/get-consent", 200, params={"customer_phone": PHONE}),
            Ask("GET", "/mumbleapi/get-consent", 404, params={"customer_phone": "15550001111"}),
            Ask(
                "POST",
                "/mumbleapi/set-consent",
                200,
                json={"customer_phone": PHONE, "marketing": "opted_out", "source": "form"},
            ),
            Ask(
                "POST",
                "/mumbleapi/set-consent",
                400,
                json={"customer_phone": PHONE, "marketing": "maybe"},
            ),
            Ask("GET", "/mumbleapi/get-customer", 200, params={"customer_phone": PHONE}),
            Ask("GET", "/mumbleapi/search-customers", 200, params={"consent": "opted_out"}),
            Ask("GET", "/mumbleapi/search-customers", 400, params={"consent": "nope"}),
        ),
    ),
    "a customer known only by a BSUID": (
        given.a_bsuid_user_wrote_in,
        (
            Ask("GET", "/mumbleapi/is-active-conv", 200, params=BY_USER_ID),
            Ask("POST", "/mumbleapi/edit-customer", 200, json={**BY_USER_ID, "tier": "gold"}),
            Ask(
                "POST",
                "/mumbleapi/edit-customer",
                400,
                json={**BY_USER_ID, "customer_phone": PHONE},
            ),
            Ask("GET", "/mumbleapi/get-consent", 200, params=BY_USER_ID),
            Ask(
                "POST", "/mumbleapi/set-consent", 200, json={**BY_USER_ID, "marketing": "opted_in"}
            ),
            Ask("POST", "/mumbleapi/assign-bot", 200, json={**BY_USER_ID, "bot_token": "AI"}),
            Ask("POST", "/mumbleapi/unassign-customer", 200, json={**BY_USER_ID, "from": "all"}),
            Ask("DELETE", "/mumbleapi/delete-customer", 200, params=BY_USER_ID),
            Ask("DELETE", "/mumbleapi/delete-customer", 404, params=BY_USER_ID),
        ),
    ),
    "labels": (
        given.nothing,
        (
            Ask("POST", "/mumbleapi/add-new-label", 200, json=LABEL),
            Ask("POST", "/mumbleapi/add-new-label", 409, json=LABEL),
            Ask("GET", "/mumbleapi/get-labels", 200),
            Ask(
                "POST",
                "/mumbleapi/add-customer-to-label",
                404,
                json={"customer_phone": PHONE, **LABEL},
            ),
            Ask("DELETE", "/mumbleapi/delete-label", 200, params=LABEL),
        ),
    ),
    "team and bots": (
        given.a_team,
        (
            Ask("GET", "/mumbleapi/get-agents", 200),
            Ask("GET", "/mumbleapi/get-teams", 200),
            Ask("GET", "/mumbleapi/get-bots", 200),
            Ask(
                "POST",
                "/mumbleapi/assign-bot",
                404,
                json={"customer_phone": PHONE, "bot_token": "AI"},
            ),
        ),
    ),
    "managing the team": (
        given.managed,
        (
            Ask("POST", "/mumbleapi/add-agent", 200, json={"name": "Eli"}),
            Ask("POST", "/mumbleapi/add-agent", 409, json={"name": "Dana"}),
            Ask("POST", "/mumbleapi/add-agent", 400, json={}),
            Ask("POST", "/mumbleapi/edit-agent", 200, json={"agent_id": "{agent}", "name": "Di"}),
            Ask("POST", "/mumbleapi/edit-agent", 409, json={"agent_id": "{agent}", "name": "Eli"}),
            Ask("POST", "/mumbleapi/edit-agent", 404, json={"agent_id": "nope", "name": "X"}),
            Ask("POST", "/mumbleapi/add-team", 200, json={"name": "Sales", "members": ["{agent}"]}),
            Ask("POST", "/mumbleapi/add-team", 409, json={"name": "Support"}),
            Ask("POST", "/mumbleapi/add-team", 404, json={"name": "New", "members": ["nope"]}),
            Ask("POST", "/mumbleapi/edit-team", 200, json={"team_id": "{team}", "members": []}),
            Ask("POST", "/mumbleapi/edit-team", 409, json={"team_id": "{team}", "name": "Sales"}),
            Ask("POST", "/mumbleapi/edit-team", 404, json={"team_id": "nope", "name": "X"}),
            Ask("DELETE", "/mumbleapi/delete-team", 200, params={"team_id": "{team}"}),
            Ask("DELETE", "/mumbleapi/delete-team", 404, params={"team_id": "{team}"}),
            Ask("DELETE", "/mumbleapi/delete-agent", 200, params={"agent_id": "{agent}"}),
            Ask("DELETE", "/mumbleapi/delete-agent", 404, params={"agent_id": "{agent}"}),
            Ask("POST", "/mumbleapi/add-bot", 200, json={"name": "Other flow"}),
            Ask("POST", "/mumbleapi/add-bot", 409, json={"name": "Flow"}),
            Ask("DELETE", "/mumbleapi/delete-bot", 200, params={"bot_id": "{bot}"}),
            Ask("DELETE", "/mumbleapi/delete-bot", 404, params={"bot_id": "{bot}"}),
            Ask("DELETE", "/mumbleapi/delete-bot", 400),
        ),
    ),
    "ai bot": (
        given.nothing,
        (
            Ask("GET", "/mumbleapi/get-ai-bot", 200),
            Ask("POST", "/mumbleapi/delete-ai-bot", 404),
            Ask("POST", "/mumbleapi/set-ai-bot", 400, json={"kind": "openai", "attempts": 0}),
            Ask(
                "POST",
                "/mumbleapi/set-ai-bot",
                200,
                json={
                    "kind": "openai",
                    "base_url": "http://127.0.0.1:11434/v1",
                    "model": "llama3.1",
                    "api_key": "sk-test",
                    "temperature": 0.4,
                },
            ),
            Ask("GET", "/mumbleapi/get-ai-bot", 200),
            Ask(
                "POST",
                "/mumbleapi/set-ai-bot",
                200,
                data={"kind": "webhook", "url": "http://127.0.0.1:9/agent", "attempts": "2"},
            ),
            Ask("GET", "/mumbleapi/get-ai-bot", 200),
            Ask("POST", "/mumbleapi/delete-ai-bot", 200),
        ),
    ),
    **MESSAGING_SCENARIOS,
    "campaigns": (
        given.an_approved_template,
        (
            Ask(
                "POST",
                "/mumbleapi/create-campaign",
                200,
                json={
                    "name": "Orders",
                    "template_id": "{template_id}",
                    "phones": [PHONE, "12"],
                    "values": {"variables": [{"field": "name", "fallback": "-"}]},
                },
                headers={"Idempotency-Key": "campaign-doc"},
                keep={"campaign_id": "campaign.id"},
            ),
            Ask(
                "POST",
                "/mumbleapi/create-campaign",
                400,
                json={"name": "Bad", "template_id": "{template_id}", "labels": ["nope"]},
            ),
            Ask(
                "POST",
                "/mumbleapi/create-campaign",
                200,
                data={
                    "name": "CSV",
                    "template_id": "{template_id}",
                    # Braces doubled: `filled` formats every text.
                    "values": '{{"variables": [{{"column": "order"}}]}}',
                },
                files={"file": ("a.csv", b"phone,order\n972500000001,42\n", "text/csv")},
            ),
            Ask("GET", "/mumbleapi/get-campaigns", 200),
            Ask("GET", "/mumbleapi/get-campaign", 200, params={"campaign_id": "{campaign_id}"}),
            Ask("GET", "/mumbleapi/get-campaign", 404, params={"campaign_id": "nope"}),
            Ask(
                "GET",
                "/mumbleapi/get-campaign-recipients",
                200,
                params={"campaign_id": "{campaign_id}", "status": "skipped"},
            ),
            Ask(
                "GET",
                "/mumbleapi/get-campaign-recipients",
                400,
                params={"campaign_id": "{campaign_id}", "status": "odd"},
            ),
            Ask("POST", "/mumbleapi/pause-campaign", 200, json={"campaign_id": "{campaign_id}"}),
            Ask("POST", "/mumbleapi/pause-campaign", 409, json={"campaign_id": "{campaign_id}"}),
            Ask("POST", "/mumbleapi/resume-campaign", 200, json={"campaign_id": "{campaign_id}"}),
            Ask("POST", "/mumbleapi/cancel-campaign", 200, json={"campaign_id": "{campaign_id}"}),
            Ask("POST", "/mumbleapi/resume-campaign", 409, json={"campaign_id": "{campaign_id}"}),
            Ask("POST", "/mumbleapi/cancel-campaign", 404, json={"campaign_id": "nope"}),
        ),
    ),
    "webhooks": (
        given.receiver,
        (
            Ask(
                "POST",
                "/mumbleapi/add-webhook",
                200,
                json={"url": "{hook_url}", "events": ["customer.created"]},
                keep={"webhook_id": "id"},
            ),
            Ask("GET", "/mumbleapi/get-webhooks", 200),
            Ask(
                "POST",
                "/mumbleapi/edit-webhook",
                200,
                data={"webhook_id": "{webhook_id}", "events": "customer.created,customer.deleted"},
            ),
            Ask("POST", "/mumbleapi/test-webhook", 200, json={"webhook_id": "{webhook_id}"}),
            Ask(
                "GET",
                "/mumbleapi/get-webhook-deliveries",
                200,
                params={"webhook_id": "{webhook_id}"},
            ),
            Ask("DELETE", "/mumbleapi/delete-webhook", 404, params={"webhook_id": "nope"}),
        ),
    ),
    "the guard": (
        given.slow_key,
        (
            Ask("GET", "/mumbleapi/get-labels", 401, key=None),
            Ask("GET", "/mumbleapi/get-labels", 401, key="wrong"),
            Ask("GET", "/mumbleapi/get-labels", 200, key="slow"),
            Ask(
                "GET",
                "/mumbleapi/get-labels",
                429,
                key="slow",
                answers_with={"Retry-After": lambda value: int(value) >= 1},
            ),
            Ask(
                "POST",
                "/mumbleapi/add-new-label",
                400,
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            Ask(
                "POST",
                "/mumbleapi/add-new-label",
                415,
                content=b"x",
                headers={"Content-Type": "text/plain"},
            ),
        ),
    ),
    "unauthenticated routes": (
        given.nothing,
        (
            Ask(
                "GET",
                "/webhooks/whatsapp",
                200,
                key=None,
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": TEST_VERIFY_TOKEN,
                    "hub.challenge": "42",
                },
            ),
            Ask("GET", "/webhooks/whatsapp", 403, key=None, params={"hub.mode": "subscribe"}),
            Ask("POST", "/webhooks/whatsapp", 401, key=None, json={"object": "x"}),
            Ask("GET", "/healthz", 200, key=None),
            Ask("GET", "/readyz", 200, key=None),
            Ask("GET", "/metrics", 200, key=None),
        ),
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_answers_match_the_document(
    scenario: str,
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    server: str,
    document: dict[str, Any],
) -> None:
    setup, asks = SCENARIOS[scenario]
    known = {"key": tenant.key, **await setup(World(client, sandbox, tenant, server))}
    for ask in asks:
        headers = dict(ask.headers)
        if ask.key is not None:
            headers["Mumble-Api-Key"] = known[ask.key]
        options: dict[str, Any] = {
            "json": filled(ask.json, known),
            "params": filled(ask.params, known),
            "data": filled(ask.data, known),
            "files": ask.files,
            "content": ask.content,
        }
        response = await check(
            document,
            client,
            ask.method,
            filled(ask.path, known),
            expect=ask.expect,
            documented_as=ask.documented_as,
            headers=headers,
            **{name: value for name, value in options.items() if value is not None},
        )
        for name, holds in ask.answers_with.items():
            assert holds(response.headers[name]), (ask, name)
        known |= {name: _kept(response.json(), path) for name, path in ask.keep.items()}


def _kept(answer: Any, path: str) -> str:
    """The answer's value at `path` (`campaign.id` reads a nested member)."""
    for part in path.split("."):
        answer = answer[part]
    return str(answer)
