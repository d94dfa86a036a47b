"""The campaign and its recipients as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mumble.clock import rfc3339
from mumble.models import Campaign, CampaignRecipient, CampaignStatus, Message, RecipientStatus


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    """A campaign as get-campaigns lists it (get-campaign adds counts and the send rate)."""
    return {
        "id": str(campaign.id),
        "name": campaign.name,
        "template_id": str(campaign.template_id),
        "status": CampaignStatus(campaign.status).value,
        "paused_reason": campaign.paused_reason,
        "send_at": rfc3339(campaign.send_at),
        "max_per_second": campaign.max_per_second,
        "recipients": campaign.recipients,
        "audience": campaign.audience,
        "values": campaign.values,
        "started_at": rfc3339(campaign.started_at),
        "finished_at": rfc3339(campaign.finished_at),
        "created_at": rfc3339(campaign.created_at),
        "updated_at": rfc3339(campaign.updated_at),
    }


async def recipient_views(rows: Sequence[CampaignRecipient]) -> list[dict[str, Any]]:
    """A page of recipients, each message's wamid read in one query."""
    ids = [row.message_id for row in rows if row.message_id is not None]
    wamids: dict[int, str | None] = {}
    if ids:
        wamids = dict(await Message.filter(id__in=ids).values_list("id", "wamid"))
    return [
        {
            "id": row.id,
            "phone": row.phone,
            "customer_id": None if row.customer_id is None else str(row.customer_id),
            "status": RecipientStatus(row.status).value,
            "skip_reason": row.skip_reason,
            "message_id": row.message_id,
            "wamid": wamids.get(row.message_id) if row.message_id is not None else None,
            "error_code": row.error_code,
            "error_message": row.error_message,
            "updated_at": rfc3339(row.updated_at),
        }
        for row in rows
    ]
