"""set-ai-bot, get-ai-bot and delete-ai-bot through the API: validation, secrets, scoping."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import httpx
import pytest

from mumble.events import signing
from mumble.models import AiBot
from mumble.models.ai import AiKind
from mumble.settings import Settings
from tests.api import get, post
from tests.bots.ai.standin import StandIn
from tests.bots.ai.support import API_KEY, openai_bot, set_ai_bot
from tests.conftest import Tenant


async def test_an_openai_configuration_is_stored_and_shown_without_its_key(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    body = await openai_bot(
        client,
        tenant,
        standin,
        system_prompt="Be brief.",
        temperature=0.2,
        max_tokens=300,
        max_reply_chars=1000,
        history_messages=10,
        history_chars=5000,
        attempts=2,
    )
    assert body["success"] is True
    assert body["message"] == "AI bot saved"
    assert "secret" not in body
    shown = await get(client, tenant, "get-ai-bot")
    assert shown.status_code == 200
    view = shown.json()["ai_bot"]
    assert view == body["ai_bot"]
    assert {k: v for k, v in view.items() if k not in ("created_at", "updated_at")} == {
        "kind": "openai",
        "base_url": standin.base_url,
        "url": None,
        "model": "standin-7b",
        "has_api_key": True,
        "has_secret": False,
        "system_prompt": "Be brief.",
        "temperature": 0.2,
        "max_tokens": 300,
        "use_tools": True,
        "handoff_marker": "[HANDOFF]",
        "max_reply_chars": 1000,
        "timeout_seconds": 2.0,
        "attempts": 2,
        "history_messages": 10,
        "history_chars": 5000,
    }
    assert API_KEY not in shown.text
    stored = await AiBot.get(account_id=tenant.account.id)
    assert stored.api_key == API_KEY
    assert stored.kind == AiKind.OPENAI


async def test_a_pasted_chat_completions_url_is_kept_as_its_base(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    body = await openai_bot(
        client, tenant, standin, base_url=standin.base_url + "/chat/completions/"
    )
    assert body["ai_bot"]["base_url"] == standin.base_url


async def test_every_problem_is_listed_in_one_400_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await set_ai_bot(
        client,
        tenant,
        kind="openai",
        base_url="ftp://models.example.com",
        temperature=7,
        max_tokens=0,
        max_reply_chars=5000,
        timeout_seconds="soon",
        attempts=9,
        history_messages=1.5,
        use_tools="maybe",
        secret=signing.new_secret(),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Invalid AI bot configuration"
    assert body["details"] == [
        "'secret' applies only to kind webhook.",
        "'model' is required.",
        "'temperature' must be a number from 0 to 2.",
        "'max_tokens' must be an integer from 1 to 100000.",
        "'use_tools' must be true or false.",
        "'max_reply_chars' must be an integer from 1 to 4096.",
        "'timeout_seconds' must be a number from 0.5 to 120.",
        "'attempts' must be an integer from 1 to 5.",
        "'history_messages' must be an integer from 1 to 100.",
        "Invalid base_url: URL must start with http:// or https://.",
    ]
    assert await AiBot.all().count() == 0


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({}, ["'kind' is required (openai or webhook)."]),
        ({"kind": "claude"}, ["'kind' must be openai or webhook."]),
        ({"kind": "webhook"}, ["'url' is required."]),
        (
            {"kind": "webhook", "url": "http://127.0.0.1:9/agent", "model": "x", "secret": "abc"},
            ["'model' applies only to kind openai.", "'secret' must start with whsec_."],
        ),
        (
            {"kind": "webhook", "url": "http://127.0.0.1:9/agent", "secret": "whsec_c2hvcnQ="},
            ["'secret' must encode 24 to 64 bytes."],
        ),
        (
            {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": "a b"},
            ["'api_key' must be printable ASCII without spaces."],
        ),
        (
            {
                "kind": "openai",
                "base_url": "http://127.0.0.1:9/v1",
                "model": "m",
                "api_key": "k\r\nX: 1",
            },
            ["'api_key' must be printable ASCII without spaces."],
        ),
        (
            {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": "clé"},
            ["'api_key' must be printable ASCII without spaces."],
        ),
    ],
)
async def test_bad_configurations_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, object], details: list[str]
) -> None:
    response = await set_ai_bot(client, tenant, **fields)
    assert response.status_code == 400
    assert response.json()["details"] == details
    assert await AiBot.all().count() == 0


async def test_a_form_post_is_read_like_json(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    response = await client.post(
        "/mumbleapi/set-ai-bot",
        headers=tenant.headers,
        data={
            "kind": "openai",
            "base_url": standin.base_url,
            "model": "llama3.1",
            "temperature": "0.7",
            "history_messages": "12",
            "use_tools": "false",
        },
    )
    assert response.status_code == 200, response.text
    view = response.json()["ai_bot"]
    assert (view["temperature"], view["history_messages"], view["use_tools"]) == (0.7, 12, False)
    assert view["has_api_key"] is False


async def test_the_key_is_kept_when_left_out_and_removed_with_an_empty_string(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    await openai_bot(client, tenant, standin)
    kept = await set_ai_bot(
        client, tenant, kind="openai", base_url=standin.base_url, model="other-model"
    )
    assert kept.json()["ai_bot"]["has_api_key"] is True
    assert kept.json()["ai_bot"]["model"] == "other-model"
    assert (await AiBot.get(account_id=tenant.account.id)).api_key == API_KEY
    removed = await set_ai_bot(
        client, tenant, kind="openai", base_url=standin.base_url, model="m", api_key=""
    )
    assert removed.json()["ai_bot"]["has_api_key"] is False
    assert (await AiBot.get(account_id=tenant.account.id)).api_key is None
    assert await AiBot.all().count() == 1


async def test_a_webhook_secret_is_generated_once_and_kept_across_edits(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    first = await set_ai_bot(client, tenant, kind="webhook", url=standin.agent_url)
    assert first.status_code == 200
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")
    assert first.json()["ai_bot"]["has_secret"] is True
    again = await set_ai_bot(client, tenant, kind="webhook", url=standin.agent_url, attempts=1)
    assert "secret" not in again.json()
    assert (await AiBot.get(account_id=tenant.account.id)).secret == secret
    shown = await get(client, tenant, "get-ai-bot")
    assert secret not in shown.text
    assert shown.json()["ai_bot"]["url"] == standin.agent_url
    assert shown.json()["ai_bot"]["base_url"] is None


async def test_switching_kind_drops_the_other_kinds_secret(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    await openai_bot(client, tenant, standin)
    switched = await set_ai_bot(client, tenant, kind="webhook", url=standin.agent_url)
    assert "secret" in switched.json()
    stored = await AiBot.get(account_id=tenant.account.id)
    assert (stored.kind, stored.api_key, stored.model) == (AiKind.WEBHOOK, None, None)
    back = await set_ai_bot(client, tenant, kind="openai", base_url=standin.base_url, model="m")
    assert back.json()["ai_bot"]["has_api_key"] is False
    assert (await AiBot.get(account_id=tenant.account.id)).secret is None


async def test_delete_removes_the_configuration_and_a_second_delete_is_404(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    assert (await get(client, tenant, "get-ai-bot")).json() == {"success": True, "ai_bot": None}
    await openai_bot(client, tenant, standin)
    deleted = await post(client, tenant, "delete-ai-bot")
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True, "message": "AI bot deleted"}
    assert await AiBot.all().count() == 0
    again = await post(client, tenant, "delete-ai-bot")
    assert again.status_code == 404
    assert again.json() == {"error": True, "message": "AI bot is not configured"}


async def test_each_account_sees_only_its_own_ai_bot(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, standin: StandIn
) -> None:
    await openai_bot(client, tenant, standin)
    assert (await get(client, other_tenant, "get-ai-bot")).json()["ai_bot"] is None
    assert (await post(client, other_tenant, "delete-ai-bot")).status_code == 404
    assert await AiBot.filter(account_id=tenant.account.id).count() == 1


async def test_setting_the_ai_bot_logs_no_secret(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="mumble")
    await openai_bot(client, tenant, standin)
    generated = (await set_ai_bot(client, tenant, kind="webhook", url=standin.agent_url)).json()
    await get(client, tenant, "get-ai-bot")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "set-ai-bot" in logged  # the access lines are there
    assert API_KEY not in logged
    assert generated["secret"] not in logged


class TestWithPrivateUrlsRefused:
    """With private URLs not allowed (production), the AI bot cannot reach internal addresses."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, allow_private_urls=False)

    @pytest.mark.parametrize(
        ("fields", "name"),
        [
            ({"kind": "openai", "base_url": "http://127.0.0.1:11434/v1", "model": "m"}, "base_url"),
            ({"kind": "openai", "base_url": "http://169.254.169.254/v1", "model": "m"}, "base_url"),
            ({"kind": "webhook", "url": "http://10.0.0.5/agent"}, "url"),
            ({"kind": "webhook", "url": "http://localhost/agent"}, "url"),
        ],
    )
    async def test_a_private_url_is_refused(
        self, client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, str], name: str
    ) -> None:
        response = await set_ai_bot(client, tenant, **fields)
        assert response.status_code == 400
        [detail] = response.json()["details"]
        assert detail.startswith(f"Invalid {name}: URL points to a private or reserved address")
        assert await AiBot.all().count() == 0


async def test_concurrent_first_configurations_leave_one_row(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn
) -> None:
    models = [f"model-{n}" for n in range(6)]
    answers = await asyncio.gather(
        *(
            set_ai_bot(client, tenant, kind="openai", base_url=standin.base_url, model=model)
            for model in models
        )
    )
    assert [response.status_code for response in answers] == [200] * len(models)
    [stored] = await AiBot.filter(account_id=tenant.account.id)
    assert stored.model in models
