"""The Graph address of an account's WhatsApp number, or the 400 that it has none."""

from __future__ import annotations

from mumble.errors import BadRequest, Refusal
from mumble.models import Account
from mumble.whatsapp.client import Channel

NO_CHANNEL = Refusal(BadRequest, "WhatsApp channel is not configured for this account")
NO_WABA = Refusal(BadRequest, "WhatsApp Business Account id is not configured for this account")


def channel_of(account: Account) -> Channel:
    """The account's channel; 400 when it has no phone number id or access token."""
    if not account.phone_number_id or not account.access_token:
        raise NO_CHANNEL()
    return Channel(account.phone_number_id, account.waba_id or "", account.access_token)


def waba_of(channel: Channel) -> str:
    """The WABA id template calls need; 400 when the account has none."""
    if not channel.waba_id:
        raise NO_WABA()
    return channel.waba_id
