"""Campaigns in the database: listed, shown with their counts, their recipients paged, and
moved through their states (pause, resume, cancel) on a locked row.

A transition reads the campaign FOR UPDATE (on PostgreSQL; SQLite's single writer serialises
anyway) and applies `transitions.next_status`, so an API call racing the runner's own change
sees the other's result, never a mix. Cancelling skips every still-queued recipient
"cancelled" in one statement, in the same transaction; recipients a worker already claimed
(`sending`) are left to it, which records what Meta answered.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from mumble.campaigns import counts as campaign_counts
from mumble.campaigns.audience import CANCELLED
from mumble.campaigns.transitions import Action, next_status
from mumble.campaigns.views import campaign_view, recipient_views
from mumble.errors import BadRequest, NotFound, Refusal
from mumble.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from mumble.paging import page_window

NOT_FOUND = Refusal(NotFound, "Campaign not found")
RECIPIENT_STATUSES = [status.value for status in RecipientStatus]
INVALID_STATUS = Refusal(BadRequest, f"'status' must be one of {', '.join(RECIPIENT_STATUSES)}")
CAMPAIGNS_PER_PAGE = 50
RECIPIENTS_PER_PAGE = 100
# paused_reason of a campaign paused through pause-campaign.
PAUSED_BY_API = "api"


def _uuid(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw).strip())
    except ValueError:
        return None


async def find_campaign(account_id: uuid.UUID, raw_id: object) -> Campaign:
    """The account's campaign with this id; 404 otherwise."""
    campaign_id = _uuid(raw_id)
    found = None
    if campaign_id is not None:
        found = await Campaign.get_or_none(id=campaign_id, account_id=account_id)
    if found is None:
        raise NOT_FOUND()
    return found


def _paging(total: int, page: int, per_page: int) -> dict[str, int]:
    pages = math.ceil(total / per_page)
    return {"total": total, "pages": pages, "current_page": page, "per_page": per_page}


async def list_campaigns(account_id: uuid.UUID, page: int) -> dict[str, Any]:
    """One page of the account's campaigns, newest first."""
    query = Campaign.filter(account_id=account_id)
    total = await query.count()
    rows: list[Campaign] = []
    window = page_window(total, page, CAMPAIGNS_PER_PAGE)
    if window is not None:
        order = ("created_at", "id") if window.from_end else ("-created_at", "-id")
        ids = query.order_by(*order).offset(window.offset).limit(window.limit).values("id")
        rows = await Campaign.filter(account_id=account_id, id__in=Subquery(ids)).order_by(
            "-created_at", "-id"
        )
    return {
        "campaigns": [campaign_view(row) for row in rows],
        **_paging(total, page, CAMPAIGNS_PER_PAGE),
    }


async def campaign_detail(
    account_id: uuid.UUID, raw_id: object, now: dt.datetime
) -> dict[str, Any]:
    """get-campaign: the campaign, its counts and its current send rate."""
    campaign = await find_campaign(account_id, raw_id)
    found = await campaign_counts.counts(campaign.id)
    return {
        **campaign_view(campaign),
        "counts": campaign_counts.summary(found),
        "send_rate": await campaign_counts.send_rate(campaign.id, now),
    }


async def list_recipients(
    account_id: uuid.UUID, raw_id: object, status: str | None, page: int
) -> dict[str, Any]:
    """One page of a campaign's recipients in audience order, optionally of one status."""
    if status is not None and status not in RECIPIENT_STATUSES:
        raise INVALID_STATUS()
    campaign = await find_campaign(account_id, raw_id)
    query = CampaignRecipient.filter(campaign_id=campaign.id)
    if status is not None:
        query = query.filter(status=status)
    total = await query.count()
    rows: list[CampaignRecipient] = []
    window = page_window(total, page, RECIPIENTS_PER_PAGE)
    if window is not None:
        order = "-id" if window.from_end else "id"
        ids = query.order_by(order).offset(window.offset).limit(window.limit).values("id")
        rows = await CampaignRecipient.filter(id__in=Subquery(ids)).order_by("id")
    return {
        "campaign_id": str(campaign.id),
        "recipients": await recipient_views(rows),
        **_paging(total, page, RECIPIENTS_PER_PAGE),
    }


async def apply_transition(
    campaign_id: uuid.UUID, action: Action, now: dt.datetime, *, reason: str | None = None
) -> Campaign:
    """Apply `action` to the campaign in one transaction on its locked row (FOR UPDATE on
    PostgreSQL); 409 `NOT_ALLOWED` when it does not apply to the current status. START sets
    `started_at` (once), COMPLETE and CANCEL set `finished_at`, PAUSE records `reason`, and
    CANCEL skips every still-queued recipient "cancelled" in one statement. For the API and
    the runner alike (the runner pauses with its own reason, e.g. the messaging limit)."""
    async with in_transaction():
        locked = await Campaign.select_for_update().get(id=campaign_id)
        locked.status = next_status(
            CampaignStatus(locked.status), action, send_at=locked.send_at, now=now
        )
        locked.paused_reason = reason if action is Action.PAUSE else None
        if action is Action.START and locked.started_at is None:
            locked.started_at = now
        if action in (Action.COMPLETE, Action.CANCEL):
            locked.finished_at = now
        if action is Action.CANCEL:
            await CampaignRecipient.filter(
                campaign_id=locked.id, status=RecipientStatus.QUEUED
            ).update(status=RecipientStatus.SKIPPED, skip_reason=CANCELLED, updated_at=now)
        locked.updated_at = now
        await locked.save(
            update_fields=["status", "paused_reason", "started_at", "finished_at", "updated_at"]
        )
    return locked


async def change(
    account_id: uuid.UUID, raw_id: object, action: Action, now: dt.datetime
) -> dict[str, Any]:
    """pause-, resume- or cancel-campaign on one of the account's campaigns (404 unknown, 409
    when the action does not apply to its status); the campaign as it is now."""
    campaign = await find_campaign(account_id, raw_id)
    reason = PAUSED_BY_API if action is Action.PAUSE else None
    return campaign_view(await apply_transition(campaign.id, action, now, reason=reason))
