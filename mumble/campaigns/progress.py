"""The campaign transitions the runner makes, each one conditional UPDATE with its event.

Started (a scheduled campaign whose send_at has come, or one created running), paused (the
messaging limit, its template paused or disabled) and completed (no recipient left queued or
being sent). Each moves the row only from the state it expects, so any number of runners, and
the pause/resume/cancel endpoints racing them, apply each transition once, and the event
(`campaign.started` / `campaign.paused` / `campaign.completed`) commits with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mumble.clock import rfc3339
from mumble.events.outbox import record_event
from mumble.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus

MESSAGING_LIMIT = "messaging_limit"
# The reason a template's status gives its campaigns (PAUSED -> "template_paused").
TEMPLATE_STOPPED = ("PAUSED", "DISABLED")


def template_reason(status: str) -> str:
    """The paused_reason of a campaign whose template is no longer sendable."""
    return f"template_{status.lower()}"


def event_view(campaign: Campaign) -> dict[str, Any]:
    """The campaign in its events: what changed and when."""
    return {
        "campaign": {
            "id": str(campaign.id),
            "name": campaign.name,
            "template_id": str(campaign.template_id),
            "status": CampaignStatus(campaign.status).value,
            "paused_reason": campaign.paused_reason,
            "recipients": campaign.recipients,
            "started_at": rfc3339(campaign.started_at),
            "finished_at": rfc3339(campaign.finished_at),
        }
    }


async def _announce(campaign_id: uuid.UUID, event: str, now: dt.datetime) -> None:
    campaign = await Campaign.get(id=campaign_id)
    await record_event(
        campaign.account_id,  # type: ignore[attr-defined]
        event,
        event_view(campaign),
        now=now,
    )


async def start_due(now: dt.datetime) -> int:
    """Start scheduled campaigns whose send_at has come, and record when running ones began
    (create-campaign may store them running); returns how many started."""
    due = await Campaign.filter(
        Q(status=CampaignStatus.SCHEDULED, send_at__lte=now)
        | Q(status=CampaignStatus.RUNNING, started_at__isnull=True)
    ).values_list("id", flat=True)
    started = 0
    for campaign_id in due:
        async with in_transaction():
            won = await Campaign.filter(
                Q(status=CampaignStatus.SCHEDULED) | Q(status=CampaignStatus.RUNNING),
                id=campaign_id,
                started_at__isnull=True,
            ).update(status=CampaignStatus.RUNNING, started_at=now, updated_at=now)
            if won:
                await _announce(campaign_id, "campaign.started", now)  # type: ignore[arg-type]
                started += 1
    return started


async def pause(campaign_id: uuid.UUID, reason: str, now: dt.datetime) -> bool:
    """Pause a running campaign with this reason (and its event); False when not running."""
    async with in_transaction():
        won = await Campaign.filter(id=campaign_id, status=CampaignStatus.RUNNING).update(
            status=CampaignStatus.PAUSED, paused_reason=reason, updated_at=now
        )
        if won:
            await _announce(campaign_id, "campaign.paused", now)
    return bool(won)


async def pause_for_template(
    account_id: uuid.UUID, template_id: uuid.UUID, status: str, now: dt.datetime
) -> int:
    """A template turned PAUSED or DISABLED: pause its running campaigns (a scheduled one is
    paused by the runner when it comes due and finds its template not sendable)."""
    if status.upper() not in TEMPLATE_STOPPED:
        return 0
    reason = template_reason(status)
    paused = 0
    ids = await Campaign.filter(
        account_id=account_id,
        template_id=template_id,
        status=CampaignStatus.RUNNING,
    ).values_list("id", flat=True)
    for campaign_id in ids:
        paused += await pause(campaign_id, reason, now)  # type: ignore[arg-type]
    return paused


async def complete_if_done(campaign_id: uuid.UUID, now: dt.datetime) -> bool:
    """Complete a running campaign none of whose recipients is queued or being sent."""
    async with in_transaction():
        left = await CampaignRecipient.filter(
            campaign_id=campaign_id,
            status__in=(RecipientStatus.QUEUED, RecipientStatus.SENDING),
        ).exists()
        if left:
            return False
        won = await Campaign.filter(id=campaign_id, status=CampaignStatus.RUNNING).update(
            status=CampaignStatus.COMPLETED, finished_at=now, updated_at=now
        )
        if won:
            await _announce(campaign_id, "campaign.completed", now)
    return bool(won)


async def reopen(campaign_id: uuid.UUID, now: dt.datetime) -> None:
    """A recipient went back to the queue after another runner saw none left: run again."""
    await Campaign.filter(id=campaign_id, status=CampaignStatus.COMPLETED).update(
        status=CampaignStatus.RUNNING, finished_at=None, updated_at=now
    )
