"""Chatbots: created by the admin CLI, listed and assigned to customers through the API."""

from __future__ import annotations

import uuid

from mumble.accounts.service import get_account
from mumble.errors import BadRequest
from mumble.models import Bot


async def create_bot(account_id: str | uuid.UUID, name: str) -> Bot:
    account = await get_account(account_id)
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("Name must be 1 to 200 characters")
    return await Bot.create(account=account, name=name)
