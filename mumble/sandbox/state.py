"""The sandbox's memory: channels, windows, sent messages, media, templates, faults."""

from __future__ import annotations

import base64
import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

import templates_meta

WINDOW = dt.timedelta(hours=24)


def new_wamid(to: str) -> str:
    """A message id shaped like Meta's: "wamid." + base64 of the recipient and a random part."""
    raw = (
        b"\x0b" + to.encode() + b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(9).upper().encode()
    )
    return "wamid.HBgL" + base64.b64encode(raw).decode().rstrip("=")


def new_numeric_id() -> str:
    """Media, template and upload ids are long decimal strings at Meta."""
    return str(random.randrange(10**15, 10**16))


@dataclass
class ChannelInfo:
    phone_number_id: str
    waba_id: str
    display_phone_number: str
    # What GET /{phone-number-id}?fields= reports (mumble.sandbox.capacity changes them).
    throughput_level: str = "STANDARD"
    messaging_limit: str = "TIER_UNLIMITED"
    quality_rating: str = "GREEN"


@dataclass
class User:
    """A WhatsApp user as the business sees them: a BSUID, and a phone number when shared.

    developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
    """

    user_id: str
    wa_id: str | None = None
    parent_user_id: str | None = None

    def contact(self, name: str | None = None) -> dict[str, Any]:
        """The `contacts[]` item of a webhook about this user."""
        contact: dict[str, Any] = {"profile": {"name": name or "Sandbox Customer"}}
        if self.wa_id:
            contact["wa_id"] = self.wa_id
        contact["user_id"] = self.user_id
        if self.parent_user_id:
            contact["parent_user_id"] = self.parent_user_id
        return contact


def new_bsuid(country: str = "US") -> str:
    """A business-scoped user id like Meta's: "CC." + digits."""
    return f"{country}.{secrets.randbelow(10**19):019d}"


@dataclass
class SentMessage:
    id: str
    phone_number_id: str
    to: str
    type: str
    payload: dict[str, Any]
    authorization: str
    timestamp: int
    statuses: list[str] = field(default_factory=list)
    user: User | None = None

    @property
    def wa_id(self) -> str | None:
        """The recipient's phone digits; None for a send addressed by BSUID (`recipient`)."""
        if self.payload.get("to"):
            return "".join(ch for ch in self.to if ch.isdigit()) or self.to
        return None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "phone_number_id": self.phone_number_id,
            "to": self.to,
            "type": self.type,
            "payload": self.payload,
            "authorization": self.authorization,
            "timestamp": self.timestamp,
            "statuses": list(self.statuses),
        }


@dataclass
class Media:
    id: str
    data: bytes
    mime_type: str
    sha256: str
    filename: str | None = None
    phone_number_id: str | None = None  # the number that uploaded it


@dataclass
class Template:
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: str = "PENDING"
    rejected_reason: str = "NONE"
    problems: list[str] = field(default_factory=list)
    parameter_format: str = "POSITIONAL"
    # When (epoch seconds) each edit of the template while APPROVED was accepted.
    approved_edits: list[int] = field(default_factory=list)

    def body_variables(self) -> list[str]:
        """The BODY's distinct variables ("1" or "first_name"): a send gives one value each."""
        for component in self.components:
            if str(component.get("type", "")).upper() != "BODY":
                continue
            if self.category == "AUTHENTICATION" and "text" not in component:
                # Meta's preset body "{{1}} is your verification code." takes the code.
                return ["1"]
            return templates_meta.variable_names(str(component.get("text", "")))
        return []

    def view(self) -> dict[str, Any]:
        """As GET /{waba-id}/message_templates lists it."""
        return {
            "name": self.name,
            "parameter_format": self.parameter_format,
            "components": self.components,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "rejected_reason": self.rejected_reason,
            "id": self.id,
        }


@dataclass
class Fault:
    """An injected misbehaviour, used up by matching calls while `count` lasts (None: forever)."""

    target: str = "any"  # any | messages | media | templates | uploads | webhooks
    count: int | None = 1
    probability: float = 1.0
    latency: float = 0.0
    error_code: int | None = None
    error_subcode: int | None = None
    error_message: str | None = None
    http_status: int | None = None
    retry_after: float | None = None
    webhook: str | None = None  # drop | duplicate | reorder
    # Statuses delivered (awaited) before a send is answered: Meta's webhook beating its answer.
    early_statuses: list[str] | None = None

    def matches(self, target: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.webhook is not None:
            return target == "webhooks"
        if self.early_statuses is not None:
            return target == "messages"
        return self.target in ("any", target) and target != "webhooks"


@dataclass
class UploadSession:
    id: str
    file_name: str
    file_length: int
    file_type: str


@dataclass
class State:
    """Everything the sandbox remembers; `reset()` empties it."""

    channels: dict[str, ChannelInfo] = field(default_factory=dict)
    # (phone_number_id, wa_id or BSUID) -> when the customer last wrote in.
    last_inbound: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    messages: list[SentMessage] = field(default_factory=list)
    messages_by_id: dict[str, SentMessage] = field(default_factory=dict)
    # Each user under their phone number and under their BSUID (the same object).
    users: dict[str, User] = field(default_factory=dict)
    read_receipts: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    uploads: dict[str, UploadSession] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).clear()

    def channel(self, phone_number_id: str) -> ChannelInfo:
        """A registered channel, or a stand-in for a number nobody registered."""
        info = self.channels.get(phone_number_id)
        return info or ChannelInfo(phone_number_id, "", "15550000000")

    def user(
        self, *, wa_id: str | None = None, user_id: str | None = None, create: bool = True
    ) -> User | None:
        """The user known by that phone number or BSUID; a new one (with a BSUID) if `create`."""
        known = self.users.get(user_id or "") or self.users.get(wa_id or "")
        if known is None and (create or user_id):
            known = User(user_id=user_id or new_bsuid(), wa_id=wa_id)
        if known is not None:
            known.wa_id = known.wa_id or wa_id
            for key in (known.wa_id, known.user_id):
                if key:
                    self.users[key] = known
        return known

    def add_message(self, message: SentMessage) -> None:
        self.messages.append(message)
        self.messages_by_id[message.id] = message

    def window_open(self, phone_number_id: str, wa_id: str, now: dt.datetime) -> bool:
        last = self.last_inbound.get((phone_number_id, wa_id))
        return last is not None and now - last < WINDOW

    def take_fault(self, target: str) -> Fault | None:
        """The first fault that applies to this call, its count decremented."""
        for fault in self.faults:
            if not fault.matches(target):
                continue
            if fault.probability < 1.0 and random.random() >= fault.probability:
                continue
            if fault.count is not None:
                fault.count -= 1
            return fault
        return None

    def find_template(self, waba_id: str, name: str) -> list[Template]:
        return [
            t
            for t in self.templates.values()
            if t.name == name and (not waba_id or t.waba_id == waba_id)
        ]
