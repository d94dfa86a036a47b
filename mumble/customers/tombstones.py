"""What a deleted customer leaves behind: the wamids of their inbound messages, for a while.

Meta redelivers a webhook until it is acknowledged and may replay one for up to 7 days. Once
delete-customer removed the customer and their messages, a replay of one of their messages
would otherwise find no customer and create them again, text included. The deletion records
each inbound wamid (no content, no phone) and the inbound webhook ignores a recorded wamid; a
new message from the same number has a new wamid and creates a new customer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from mumble.models import Customer, DeletedInbound, Message
from mumble.models.states import Direction

# Meta retries a webhook for up to 7 days; after that no replay of a buried wamid comes.
KEEP = dt.timedelta(days=7)
_BATCH = 500


async def bury(customer: Customer, now: dt.datetime) -> None:
    """Record the customer's inbound wamids, inside the caller's deleting transaction."""
    account_id: uuid.UUID = customer.account_id  # type: ignore[attr-defined]
    wamids = await Message.filter(
        customer_id=customer.id, direction=Direction.INBOUND, wamid__isnull=False
    ).values_list("wamid", flat=True)
    await DeletedInbound.bulk_create(
        [DeletedInbound(account_id=account_id, wamid=w, deleted_at=now) for w in wamids],
        batch_size=_BATCH,
        ignore_conflicts=True,
    )


async def is_buried(account_id: uuid.UUID, wamid: str) -> bool:
    """Whether `wamid` was an inbound message of a customer deleted since."""
    return await DeletedInbound.exists(account_id=account_id, wamid=wamid)


async def purge_tombstones(now: dt.datetime) -> int:
    """Forget wamids buried more than 7 days ago; how many."""
    return await DeletedInbound.filter(deleted_at__lte=now - KEEP).delete()
