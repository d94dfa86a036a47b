"""A scheduled send survives a restart: made once by the next app whose clock says it is due."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.models import ScheduledMessage
from mumble.sandbox.state import ChannelInfo
from mumble.settings import Settings
from tests import database
from tests.api import ok, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.live import serve
from tests.messages.support import PHONE, sent_to_meta
from tests.templates.support import approved_template

START = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


async def test_a_send_scheduled_before_a_restart_is_made_once_after_it(
    settings: Settings, databases: database.TestDatabases, sandbox: SandboxHandle
) -> None:
    async with serve(create_app(settings, clock=FrozenClock(START))) as url:
        if databases.postgres:
            await database.truncate_all()
        sandbox.sandbox.sender.url = url + "/webhooks/whatsapp"
        channel = accounts.ChannelSettings(
            phone_number_id="199990000000001",
            waba_id="299990000000001",
            access_token="EAAtestrestart",
            display_phone="15559990001",
        )
        account = await accounts.create_account("Durable", channel)
        sandbox.sandbox.state.channels["199990000000001"] = ChannelInfo(
            "199990000000001", "299990000000001", "15559990001"
        )
        key, plaintext = await accounts.create_key(account.id)
        tenant = Tenant(account=account, key=plaintext, key_id=str(key.id))
        async with httpx.AsyncClient(base_url=url) as http:
            template = await approved_template(http, sandbox, tenant, name="hello", body="Hi!")
            scheduled = ok(
                await post(
                    http,
                    tenant,
                    "send-template",
                    customer_phone=PHONE,
                    template_id=template["id"],
                    send_at="2026-06-29T13:00:00Z",
                )
            )
    assert await sent_to_meta(sandbox, tenant) == []

    # The first app is stopped; the next ones start an hour and a half, then two hours, later.
    for later in (dt.timedelta(minutes=90), dt.timedelta(hours=2)):
        async with serve(create_app(settings, clock=FrozenClock(START + later))) as url:
            sandbox.sandbox.sender.url = url + "/webhooks/whatsapp"
            for _ in range(50):
                row = await ScheduledMessage.get(id=scheduled["id"])
                if row.status == "sent":
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.2)  # a further pass of the worker finds nothing to do
            row = await ScheduledMessage.get(id=scheduled["id"])
            assert row.status == "sent"
            assert row.message_id is not None
            assert len(await sent_to_meta(sandbox, tenant)) == 1
