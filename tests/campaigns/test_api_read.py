"""get-campaigns, get-campaign (counts from recipients and their messages, replies within 72
hours, the send rate) and get-campaign-recipients (paged, by status)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from mumble.campaigns import service
from mumble.models import CampaignRecipient, Message, MessageStatus, RecipientStatus
from mumble.models.states import Direction
from tests.api import body, get
from tests.campaigns.support import created, customer, detail, label, sale_template
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant


async def _message(
    tenant: Tenant, row: CampaignRecipient, status: MessageStatus, sent_at: dt.datetime
) -> None:
    """The runner's part, arranged: the recipient's message as Meta's statuses left it."""
    message = await Message.create(
        account_id=tenant.account.id,
        customer_id=row.customer_id,
        direction=Direction.OUTBOUND,
        type="template",
        status=status,
        wamid=f"wamid.{row.id}",
        campaign_id=row.campaign_id,
        occurred_at=sent_at,
        sent_at=sent_at,
    )
    await CampaignRecipient.filter(id=row.id).update(
        status=RecipientStatus.SENT, message_id=message.id
    )


async def _reply(tenant: Tenant, row: CampaignRecipient, at: dt.datetime) -> None:
    await Message.create(
        account_id=tenant.account.id,
        customer_id=row.customer_id,
        direction=Direction.INBOUND,
        type="text",
        text="Thanks",
        status=MessageStatus.RECEIVED,
        occurred_at=at,
    )


async def test_get_campaign_counts_the_funnel_replies_and_the_send_rate(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    for n in range(1, 9):
        await customer(tenant, f"97250000000{n}", vip, opted_out=n == 8)
    campaign = await created(
        client,
        tenant,
        name="Funnel",
        template_id=template["id"],
        labels=["VIP"],
        values={"variables": ["friend"]},
    )
    rows = await CampaignRecipient.filter(campaign_id=campaign["id"]).order_by("id")
    now = clock.now()
    await _message(tenant, rows[0], MessageStatus.SENT, now - dt.timedelta(seconds=3))
    await _message(tenant, rows[1], MessageStatus.DELIVERED, now - dt.timedelta(seconds=5))
    await _message(tenant, rows[2], MessageStatus.READ, now - dt.timedelta(hours=80))
    await _message(tenant, rows[3], MessageStatus.FAILED, now - dt.timedelta(seconds=30))
    await CampaignRecipient.filter(id=rows[4].id).update(
        status=RecipientStatus.FAILED, error_code=131026, error_message="Undeliverable"
    )
    await CampaignRecipient.filter(id=rows[5].id).update(status=RecipientStatus.SENDING)
    await _reply(tenant, rows[1], now - dt.timedelta(seconds=1))  # within 72 h
    await _reply(tenant, rows[2], now)  # 80 h later: too late to count
    await _reply(tenant, rows[3], now - dt.timedelta(hours=1))  # before the message

    shown = await detail(client, tenant, campaign["id"])

    assert shown["counts"] == {
        "queued": 2,
        "sent": 3,
        "delivered": 2,
        "read": 1,
        "failed": 2,
        "skipped": 1,
        "replied": 1,
    }
    assert shown["send_rate"] == 0.2  # two sent in the last 10 s
    assert (shown["status"], shown["recipients"], shown["paused_reason"]) == ("running", 8, None)
    assert shown["started_at"] is None
    assert shown["finished_at"] is None

    recipients = body(
        await get(client, tenant, "get-campaign-recipients", campaign_id=campaign["id"])
    )
    assert recipients["total"] == 8
    first = recipients["recipients"][0]
    assert first | {"id": 0, "customer_id": "", "message_id": 0, "updated_at": ""} == {
        "id": 0,
        "customer_id": "",
        "message_id": 0,
        "updated_at": "",
        "phone": "972500000001",
        "status": "sent",
        "skip_reason": None,
        "wamid": f"wamid.{rows[0].id}",
        "error_code": None,
        "error_message": None,
    }
    failed = body(
        await get(
            client, tenant, "get-campaign-recipients", campaign_id=campaign["id"], status="failed"
        )
    )
    assert [(r["phone"], r["error_code"], r["error_message"]) for r in failed["recipients"]] == [
        ("972500000005", 131026, "Undeliverable")
    ]
    skipped = body(
        await get(
            client, tenant, "get-campaign-recipients", campaign_id=campaign["id"], status="skipped"
        )
    )
    assert [(r["phone"], r["skip_reason"]) for r in skipped["recipients"]] == [
        ("972500000008", "opted_out")
    ]


async def test_lists_are_paged_and_belong_to_their_account(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FrozenClock,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(service, "CAMPAIGNS_PER_PAGE", 2)
    monkeypatch.setattr(service, "RECIPIENTS_PER_PAGE", 2)
    template = await sale_template(client, sandbox, tenant)
    phones = [f"97250000000{n}" for n in range(1, 6)]
    ids = []
    for n in range(3):
        clock.advance(minutes=1)
        campaign = await created(
            client,
            tenant,
            name=f"C{n}",
            template_id=template["id"],
            phones=phones,
            values={"variables": ["x"]},
        )
        ids.append(campaign["id"])

    first = body(await get(client, tenant, "get-campaigns"))
    last = body(await get(client, tenant, "get-campaigns", page=2))
    assert [c["id"] for c in first["campaigns"]] == [ids[2], ids[1]]
    assert [c["id"] for c in last["campaigns"]] == [ids[0]]
    assert (first["total"], first["pages"], first["per_page"]) == (3, 2, 2)
    assert body(await get(client, tenant, "get-campaigns", page=3))["campaigns"] == []

    pages = [
        body(await get(client, tenant, "get-campaign-recipients", campaign_id=ids[0], page=p))
        for p in (1, 2, 3)
    ]
    assert [r["phone"] for page in pages for r in page["recipients"]] == phones
    assert pages[2]["total"] == 5

    assert body(await get(client, other_tenant, "get-campaigns"))["campaigns"] == []
    for endpoint in ("get-campaign", "get-campaign-recipients"):
        for campaign_id in (ids[0], "not-an-id"):
            missing = await get(client, other_tenant, endpoint, campaign_id=campaign_id)
            assert missing.status_code == 404, missing.text
            assert body(missing) == {"error": True, "message": "Campaign not found"}
    bad = await get(client, tenant, "get-campaign-recipients", campaign_id=ids[0], status="x")
    assert bad.status_code == 400
    assert body(bad)["message"].startswith("'status' must be one of queued")
    none = await get(client, tenant, "get-campaign")
    assert body(none) == {"error": True, "message": "Campaign id is required."}
