"""delete-bot racing a send whose profile carries that bot's id as `bot_token`.

A send applies `bot_token` to the customer as assign-bot does, so it races delete-bot the same
way (see test_delete_races): the send must either assign the bot before the delete takes the
customer off, or answer "Bot not found." — never a 500 (on PostgreSQL the old code could commit
a reference to the deleted bot: a foreign-key violation), never a dangling reference. Both a
send that finds the customer by phone and one that finds it by BSUID are raced.
"""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from mumble.models import Bot, Customer
from mumble.settings import Settings
from tests.api import delete, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes
from tests.templates.support import approved_template

ROUNDS = 20
PHONE = "972501234567"
USER = "US.13491208655302741918"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Twenty sends in a few seconds: the messaging limit is not what this tests.
    return dataclasses.replace(settings, rate_limit_messaging="unlimited")


@pytest.mark.parametrize("naming", ["customer_phone", "customer_user_id"])
async def test_delete_bot_racing_a_send_with_its_bot_token_ends_cleanly(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, naming: str
) -> None:
    if naming == "customer_phone":
        await customer_writes(sandbox, tenant, phone=PHONE)
        who = {"customer_phone": PHONE}
    else:
        await customer_writes(sandbox, tenant, phone=None, user_id=USER)
        who = {"customer_user_id": USER}
    template = await approved_template(
        client, sandbox, tenant, name="notice", body="Hello {{1}}, welcome", body_examples=["Ann"]
    )
    for round_ in range(ROUNDS):
        bot = await Bot.create(account_id=tenant.account.id, name=f"bot {round_}")

        async def send(bot_id: str = str(bot.id)) -> httpx.Response:
            return await post(
                client,
                tenant,
                "send-template-text-variable",
                template_id=template["id"],
                variable=["Ann"],
                bot_token=bot_id,
                **who,
            )

        async def remove(head_start: float, bot_id: str = str(bot.id)) -> httpx.Response:
            await asyncio.sleep(head_start)
            return await delete(client, tenant, "delete-bot", bot_id=bot_id)

        # The send does a few reads before it applies the bot: the delete starts later and later.
        sent, removed = await asyncio.gather(send(), remove((round_ % 10) * 0.003))
        assert sent.status_code in (200, 404), sent.text
        assert removed.status_code == 200, removed.text
        if sent.status_code == 404:
            assert sent.json() == {"error": True, "message": "Bot not found."}
        (customer,) = await Customer.filter(account_id=tenant.account.id)
        assert customer.bot_id is None  # type: ignore[attr-defined]
        assert not await Bot.filter(id=bot.id).exists()
