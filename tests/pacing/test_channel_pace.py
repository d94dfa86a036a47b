"""What Meta says of a number changes its pace: the portfolio's messaging limit (Graph field and
business_capability_update), the THROUGHPUT_UPGRADE of phone_number_quality_update, and the
Graph fields read by `mumble account refresh-pace`."""

from __future__ import annotations

import os

import httpx

from mumble.models import Account, Message
from mumble.pacing.channel import set_pace
from mumble.pacing.errors import PACED_MESSAGE
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes
from tests.pacing.test_back_pressure import _template, send_template
from tests.pacing.test_single_send import PACED, PHONES, send_text
from tests.test_cli import mumble


async def _control(sandbox: SandboxHandle, path: str, **body: object) -> dict[str, object]:
    response = await sandbox.control.post(f"/_sandbox/{path}", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


async def test_a_new_user_beyond_the_messaging_limit_is_paced_and_nothing_is_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await set_pace(tenant.account.id, mps=1000, coexistence=None)
    await Account.filter(id=tenant.account.id).update(messaging_limit_tier="TIER_50")
    template = await _template(client, sandbox, tenant, "UTILITY")
    phones = [f"97250200{n:04d}" for n in range(51)]
    for phone in phones[:50]:
        assert (await send_template(client, tenant, template, phone)).status_code == 200
    paced = await send_template(client, tenant, template, phones[50])
    assert paced.status_code == 429
    assert paced.json() == PACED
    assert int(paced.headers["Retry-After"]) == 24 * 3600
    sent = Message.filter(account_id=tenant.account.id, direction="outbound")
    assert await sent.count() == 50
    # A user already reached today, and one whose window is open, are not new users.
    assert (await send_template(client, tenant, template, phones[0])).status_code == 200
    await customer_writes(sandbox, tenant, PHONES[0])
    assert (await send_template(client, tenant, template, PHONES[0])).status_code == 200
    clock.advance(hours=24, seconds=1)
    assert (await send_template(client, tenant, template, phones[50])).status_code == 200


async def test_business_capability_update_sets_the_portfolios_limit(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    answer = await _control(
        sandbox,
        "capability-update",
        phone_number_id=tenant.account.phone_number_id,
        max_daily_conversations_per_business=2000,
    )
    assert answer["delivery"] == [200]
    account = await Account.get(id=tenant.account.id)
    assert account.messaging_limit_tier == "TIER_2K"
    await _control(
        sandbox,
        "capability-update",
        phone_number_id=tenant.account.phone_number_id,
        max_daily_conversations_per_business=-1,
    )
    assert (await Account.get(id=tenant.account.id)).messaging_limit_tier == "TIER_UNLIMITED"


async def test_throughput_upgrade_raises_the_numbers_pace_to_a_thousand(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    for phone in PHONES:
        await customer_writes(sandbox, tenant, phone)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 200
    assert (await send_text(client, tenant, PHONES[1])).status_code == 200
    before = await send_text(client, tenant, PHONES[2])
    assert before.status_code == 429  # the default of 2/s in these tests
    assert before.json()["message"] == PACED_MESSAGE
    answer = await _control(
        sandbox,
        "quality-update",
        phone_number_id=tenant.account.phone_number_id,
        event="THROUGHPUT_UPGRADE",
        messaging_limit="TIER_UNLIMITED",
    )
    assert answer["delivery"] == [200]
    account = await Account.get(id=tenant.account.id)
    assert account.throughput_level == "HIGH"
    assert account.quality_event == "THROUGHPUT_UPGRADE"
    assert account.messaging_limit_tier == "TIER_UNLIMITED"
    assert account.quality_updated_at is not None
    for phone in PHONES:
        assert (await send_text(client, tenant, phone)).status_code == 200


async def test_refresh_pace_reads_the_numbers_level_and_limit_from_graph(
    database_url: str, server: str, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _control(
        sandbox,
        "capacity",
        phone_number_id=tenant.account.phone_number_id,
        throughput_level="HIGH",
        messaging_limit="TIER_10K",
        quality_rating="YELLOW",
    )
    os.environ["MUMBLE_WHATSAPP_API_URL"] = sandbox.url
    try:
        run = await mumble(
            database_url, "account", "refresh-pace", str(tenant.account.id), "--json"
        )
    finally:
        del os.environ["MUMBLE_WHATSAPP_API_URL"]
    assert run.code == 0, run.stderr
    shown = run.json()
    assert shown["throughput_level"] == "HIGH"
    assert shown["throughput_mps"] == 1000
    assert shown["messaging_limit_tier"] == "TIER_10K"
    assert shown["messaging_limit"] == 10_000
    assert shown["quality_rating"] == "YELLOW"
    [asked] = [r for r in sandbox.sandbox.state.requests if r["method"] == "GET"]
    assert asked["query"]["fields"].split(",") == [
        "throughput",
        "whatsapp_business_manager_messaging_limit",
        "quality_rating",
    ]
    account = await Account.get(id=tenant.account.id)
    assert (account.throughput_level, account.messaging_limit_tier) == ("HIGH", "TIER_10K")


async def test_set_pace_sets_and_clears_an_admins_throughput(
    database_url: str, server: str, tenant: Tenant
) -> None:
    account_id = str(tenant.account.id)
    run = await mumble(database_url, "account", "set-pace", account_id, "--throughput-mps", "20")
    assert run.code == 0, run.stderr
    assert (await Account.get(id=account_id)).throughput_mps == 20
    run = await mumble(
        database_url,
        "account",
        "set-pace",
        account_id,
        "--level-default",
        "--coexistence",
        "--json",
    )
    assert run.code == 0, run.stderr
    assert run.json()["throughput_mps"] == 20  # a coexistence number: 20/s
    assert run.json()["throughput_override"] is None
    bad = await mumble(database_url, "account", "set-pace", account_id, "--throughput-mps", "0")
    assert bad.code == 1
    assert "throughput must be 1 to 1000" in bad.stderr
