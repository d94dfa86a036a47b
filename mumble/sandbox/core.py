"""The sandbox's core: its state, clock, config and webhook sender, and what it emits on its own.

Handlers (`graph`, `templates`, `control`) take a `SandboxCore` and never the app, so the core
imports none of them and `app.py` can assemble the routes around it without an import cycle.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mumble.clock import Clock, SystemClock
from mumble.sandbox.state import SentMessage, State, Template
from mumble.sandbox.webhooks import WebhookSender
from mumble.whatsapp.payloads import messages_value, status_item, webhook_envelope


@dataclass
class SandboxConfig:
    """Behaviour a test or operator may change at run time (POST /_sandbox/config)."""

    # Seconds before a submitted template is reviewed; None = only on demand (control API).
    review_delay: float | None = 1.0
    # Seconds between the sent, delivered and read webhooks of a message.
    status_delay: float = 0.05
    auto_statuses: tuple[str, ...] = ("sent", "delivered", "read")
    # Refuse free-form messages outside the customer's 24-hour window (131047), like Meta.
    enforce_window: bool = True
    # Webhooks name users by BSUID as well as by phone (contacts[].user_id, from_user_id, and on
    # statuses contacts and recipient_user_id), as Meta's do: developers.facebook.com/
    # documentation/business-messaging/whatsapp/business-scoped-user-ids. Off: phone only.
    user_ids: bool = False
    # Statuses carry the per-message `conversation` object of webhooks v23 and earlier.
    conversation: bool = False
    # A voice note's `read` is followed by `played` (developers.facebook.com/documentation/
    # business-messaging/whatsapp/messages/audio-messages).
    voice_played: bool = False


STATUSES = ("sent", "delivered", "read", "played", "failed")


class SandboxCore:
    """One sandbox instance: state, clock, config and the signed webhook sender."""

    def __init__(
        self,
        *,
        webhook_url: str = "",
        app_secret: str = "",
        clock: Clock | None = None,
        config: SandboxConfig | None = None,
    ) -> None:
        self.state = State()
        self.clock: Clock = clock or SystemClock()
        self.config = config or SandboxConfig()
        self.sender = WebhookSender(self.state, url=webhook_url, app_secret=app_secret)
        # The control API names a template by the sandbox's (Meta's) id; an app embedding the
        # sandbox may also map its own ids to it (`mumble serve`: create-template's `data.id`).
        self.template_alias: Callable[[str], Awaitable[str | None]] | None = None

    def now_ts(self) -> int:
        return int(self.clock.now().timestamp())

    def schedule_statuses(
        self, message: SentMessage, category: str, statuses: Sequence[str] | None = None
    ) -> None:
        """After a send is accepted: `statuses` (default: auto_statuses) in the background."""
        statuses = list(self.config.auto_statuses if statuses is None else statuses)
        if self.config.voice_played and "read" in statuses and _is_voice(message):
            statuses.append("played")
        if statuses:
            self.sender.spawn(self.deliver_statuses(message, statuses, category=category))

    async def deliver_statuses(
        self,
        message: SentMessage,
        statuses: Sequence[str],
        *,
        category: str = "service",
        errors: Sequence[dict[str, Any]] = (),
        gap: float | None = None,
    ) -> list[int | None]:
        """Deliver one status webhook per status (faults may drop, duplicate or reorder them)."""
        channel = self.state.channel(message.phone_number_id)
        envelopes = [
            webhook_envelope(
                channel.waba_id or "0",
                "messages",
                self._status_value(message, status, category, errors),
            )
            for status in statuses
        ]
        message.statuses.extend(statuses)
        delay = self.config.status_delay if gap is None else gap
        return await self.sender.deliver_all(envelopes, gap=delay)

    def _status_value(
        self,
        message: SentMessage,
        status: str,
        category: str,
        errors: Sequence[dict[str, Any]],
    ) -> dict[str, Any]:
        """The `value` of one status webhook; `contacts` on all but `failed`, as at Meta."""
        channel = self.state.channel(message.phone_number_id)
        user = message.user if self.config.user_ids or not message.wa_id else None
        failed = status == "failed"
        conversation = None
        if self.config.conversation:
            conversation = {
                "id": message.id.removeprefix("wamid.")[:32],
                "origin": {"type": category},
            }
            if status == "sent":
                conversation["expiration_timestamp"] = str(message.timestamp + 86400)
        item = status_item(
            message.id,
            status,
            self.now_ts(),
            message.wa_id,
            category=category,
            errors=errors if failed else (),
            recipient_user_id=user.user_id if user and not (failed and message.wa_id) else None,
            biz_opaque_callback_data=message.payload.get("biz_opaque_callback_data"),
            conversation=conversation,
        )
        contacts = [user.contact()] if user and not failed else []
        return messages_value(
            channel.phone_number_id,
            channel.display_phone_number,
            contacts=contacts,
            statuses=[item],
        )

    def schedule_review(self, template: Template) -> None:
        delay = self.config.review_delay
        if delay is not None:
            self.sender.spawn(self._review_later(template, delay))

    async def _review_later(self, template: Template, delay: float) -> None:
        await asyncio.sleep(delay)
        if template.status == "PENDING":
            await self.review(template)

    async def review(self, template: Template) -> int | None:
        """Approve, or reject with INVALID_FORMAT when the rulebook found problems."""
        if template.problems:
            return await self.set_template_status(template, "REJECTED", reason="INVALID_FORMAT")
        return await self.set_template_status(template, "APPROVED")

    async def set_template_status(
        self,
        template: Template,
        status: str,
        *,
        reason: str | None = None,
        info: dict[str, Any] | None = None,
    ) -> int | None:
        """Change a template's status and emit `message_template_status_update`."""
        template.status = status
        if status == "REJECTED":
            template.rejected_reason = reason or "INVALID_FORMAT"
        else:
            template.rejected_reason = "NONE"
        envelope = status_envelope(template, self.clock.now(), reason=reason, info=info)
        results = await self.sender.deliver_all([envelope])
        return results[0] if results else None


def _is_voice(message: SentMessage) -> bool:
    audio = message.payload.get("audio")
    return message.type == "audio" and isinstance(audio, dict) and bool(audio.get("voice"))


def status_envelope(
    template: Template,
    now: dt.datetime,
    *,
    reason: str | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `message_template_status_update` webhook for the template's current status.

    Shape: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
    message_template_status_update
    """
    value: dict[str, Any] = {
        "event": template.status,
        "message_template_id": int(template.id),
        "message_template_name": template.name,
        "message_template_language": template.language,
        "reason": reason if reason is not None else template.rejected_reason,
        "message_template_category": template.category,
    }
    if template.status == "REJECTED":
        value["rejection_info"] = info or {
            "reason": "; ".join(template.problems) or "The template breaks a rule",
            "recommendation": "Fix the template and submit it again",
        }
    elif template.status == "PAUSED":
        value["other_info"] = info or {
            "title": "FIRST_PAUSE",
            "description": "Paused for 3 hours after low quality",
        }
    elif template.status == "DISABLED":
        value["disable_info"] = info or {"disable_date": int(now.timestamp())}
    return webhook_envelope(
        template.waba_id, "message_template_status_update", value, time=int(now.timestamp())
    )
