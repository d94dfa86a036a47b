"""A campaign's counts and send rate, computed by the database in a few set-based queries.

Recipient statuses give queued (claimed ones included), skipped and failed; the recipients'
messages give the funnel: `sent` counts every recipient Meta accepted that did not fail later
(delivered and read ones included), `delivered` the delivered or read ones, `read` the read
ones, and a message Meta failed after accepting it counts as `failed`. `replied` counts the
recipients whose customer wrote in within 72 hours after the campaign message's `sent_at`.
The current rate is the messages sent in the last 10 seconds, per second.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from mumble.campaigns import sql
from mumble.models import CampaignRecipient, MessageStatus, RecipientStatus

REPLY_WINDOW = dt.timedelta(hours=72)
RATE_WINDOW = dt.timedelta(seconds=10)
COUNTS = ("queued", "sent", "delivered", "read", "failed", "skipped", "replied")

_BY_STATUS = (
    "SELECT r.status AS recipient, m.status AS message, count(*) AS n "
    "FROM campaign_recipient r LEFT JOIN message m ON m.id = r.message_id "
    "WHERE r.campaign_id = $1 GROUP BY r.status, m.status"
)
_REPLIED = (
    "SELECT count(*) AS n FROM campaign_recipient r JOIN message m ON m.id = r.message_id "
    "WHERE r.campaign_id = $1 AND m.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM message i "
    "WHERE i.customer_id = m.customer_id AND i.direction = $2 AND {within})"
)
_WITHIN_PG = "i.occurred_at > m.sent_at AND i.occurred_at <= m.sent_at + interval '72 hours'"
_WITHIN_SQLITE = (
    "julianday(i.occurred_at) > julianday(m.sent_at) "
    "AND julianday(i.occurred_at) <= julianday(m.sent_at) + 3"
)
_SENT_SINCE = (
    "SELECT count(*) AS n FROM campaign_recipient r JOIN message m ON m.id = r.message_id "
    "WHERE r.campaign_id = $1 AND m.sent_at > $2::timestamptz"
)


def tally(groups: Mapping[tuple[str, str | None], int], replied: int) -> dict[str, int]:
    """The counts from the (recipient status, message status) groups. Pure."""
    counts = dict.fromkeys(COUNTS, 0)
    counts["replied"] = replied
    for (recipient, message), n in groups.items():
        if recipient in (RecipientStatus.QUEUED, RecipientStatus.SENDING):
            counts["queued"] += n
        elif recipient == RecipientStatus.SKIPPED:
            counts["skipped"] += n
        elif recipient == RecipientStatus.FAILED or message == MessageStatus.FAILED:
            counts["failed"] += n
        elif recipient == RecipientStatus.SENT:
            counts["sent"] += n
            if message in (MessageStatus.DELIVERED, MessageStatus.READ):
                counts["delivered"] += n
            if message == MessageStatus.READ:
                counts["read"] += n
    return counts


async def counts(campaign_id: uuid.UUID) -> dict[str, int]:
    """The campaign's counts (three queries, whatever its size)."""
    groups = {
        (str(row["recipient"]), None if row["message"] is None else str(row["message"])): int(
            row["n"]
        )
        for row in await sql.rows(CampaignRecipient, _BY_STATUS, [campaign_id])
    }
    within = _WITHIN_PG if sql.is_postgres(CampaignRecipient) else _WITHIN_SQLITE
    replied = await sql.rows(
        CampaignRecipient, _REPLIED.format(within=within), [campaign_id, "inbound"]
    )
    return tally(groups, int(replied[0]["n"]) if replied else 0)


async def send_rate(campaign_id: uuid.UUID, now: dt.datetime) -> float:
    """Messages per second over the last 10 seconds."""
    found = await sql.rows(CampaignRecipient, _SENT_SINCE, [campaign_id, now - RATE_WINDOW])
    sent = int(found[0]["n"]) if found else 0
    return round(sent / RATE_WINDOW.total_seconds(), 1)


def summary(found: Mapping[str, int]) -> dict[str, Any]:
    """The counts as get-campaign shows them."""
    return {name: int(found.get(name, 0)) for name in COUNTS}
