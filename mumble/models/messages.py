"""Messages exchanged with customers, their media, idempotency records and early statuses."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account
from mumble.models.customers import Customer
from mumble.models.states import Direction, MediaState, MessageStatus

MESSAGE_STATUSES = tuple(status.value for status in MessageStatus)
# How long a wamid we store may be.
WAMID_MAX = 255


class Message(Model):
    """One WhatsApp message, inbound or outbound. The integer id is the API's message id."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="messages", on_delete=fields.CASCADE
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="messages", on_delete=fields.CASCADE
    )
    direction = fields.CharEnumField(Direction, max_length=8)
    # text, image, video, audio, document, sticker, location, contacts, interactive, button,
    # reaction, order, system, unsupported, template
    type = fields.CharField(max_length=16)
    text = fields.TextField(null=True)
    # Media: Meta's media id (inbound, or our upload), its mime type, a file name, and the link
    # Meta fetched for a by-URL send. Inbound files are stored in MediaBlob once fetched.
    media_id = fields.CharField(max_length=128, null=True)
    media_mime = fields.CharField(max_length=128, null=True)
    media_filename = fields.CharField(max_length=255, null=True)
    media_link = fields.TextField(null=True)
    media_state = fields.CharEnumField(MediaState, max_length=8, default=MediaState.NONE)
    media_attempts = fields.IntField(default=0)
    media_next_attempt_at = fields.DatetimeField(null=True)
    # Meta's message id. Unique per account, null until Meta accepted an outbound send.
    wamid = fields.CharField(max_length=255, null=True)
    status = fields.CharEnumField(MessageStatus, max_length=16)
    error_code = fields.IntField(null=True)
    error_message = fields.TextField(null=True)
    # The wamid this message answers: a reply's quoted message (Meta's `context`), or the
    # message a reaction is on.
    reply_to = fields.CharField(max_length=WAMID_MAX, null=True)
    # What the customer chose: the id of a reply button or list row, or a template quick
    # reply's payload (the title is `text`).
    choice_id = fields.TextField(null=True)
    template_id = fields.UUIDField(null=True)
    # The campaign that sent it (its message.* events carry it).
    campaign_id = fields.UUIDField(null=True)
    # The bot that sent it: "flow" with the flow bot's id, or "AI"; null for everything else.
    bot_kind = fields.CharField(max_length=8, null=True)
    bot_id = fields.UUIDField(null=True)
    rendered_body = fields.TextField(null=True)
    # The raw inbound message object (location, contacts, replies) as Meta sent it.
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # When the message happened (inbound: Meta's timestamp, never after our clock).
    occurred_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    read_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "message"
        unique_together = (("account", "wamid"),)
        indexes = (("customer_id", "occurred_at", "id"), ("media_state", "media_next_attempt_at"))

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction} {self.type} {self.status}>"


class MediaBlob(Model):
    """The bytes of a message's media file, kept apart so message queries never load them."""

    id = fields.BigIntField(primary_key=True)
    message: fields.OneToOneRelation[Message] = fields.OneToOneField(
        "models.Message", related_name="blob", on_delete=fields.CASCADE
    )
    mime_type = fields.CharField(max_length=128)
    size = fields.BigIntField()
    data = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media_blob"


class IdempotencyRecord(Model):
    """The first response to an Idempotency-Key, replayed for 24 hours to identical retries."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="idempotency_records", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=255)
    # SHA-256 of the endpoint and the request parameters (and uploaded file).
    fingerprint = fields.CharField(max_length=64)
    # Null while the first request is still running.
    status_code = fields.IntField(null=True)
    # The message the request recorded, so a crash sweep can answer for it (messages.sweep).
    message_id = fields.BigIntField(null=True)
    response: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("account", "key"),)


class PendingStatus(Model):
    """A status webhook for a wamid we have not recorded yet, applied once the send is recorded."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="pending_statuses", on_delete=fields.CASCADE
    )
    wamid = fields.CharField(max_length=255)
    status = fields.CharEnumField(MessageStatus, max_length=16)
    occurred_at = fields.DatetimeField()
    error_code = fields.IntField(null=True)
    error_message = fields.TextField(null=True)
    # The send's biz_opaque_callback_data echoed back: names our message when its process died
    # before it could record the wamid (messages.sweep).
    callback_data = fields.CharField(max_length=512, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pending_status"
        unique_together = (("account", "wamid", "status"),)


class DeletedInbound(Model):
    """The wamid of an inbound message whose customer was deleted: Meta's redelivery of it
    (for up to 7 days) must not create the customer again."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="deleted_inbound", on_delete=fields.CASCADE
    )
    wamid = fields.CharField(max_length=255)
    deleted_at = fields.DatetimeField()

    class Meta:
        table = "deleted_inbound"
        unique_together = (("account", "wamid"),)
        indexes = (("deleted_at",),)


__all__ = [
    "MESSAGE_STATUSES",
    "WAMID_MAX",
    "DeletedInbound",
    "IdempotencyRecord",
    "MediaBlob",
    "Message",
    "PendingStatus",
]
