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

    def body_variables(self) -> int:
        """How many distinct variables the BODY uses: a send must give exactly that many values."""
        for component in self.components:
            if str(component.get("type", "")).upper() == "BODY":
                return len(templates_meta.variable_names(str(component.get("text", ""))))
        return 0

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
    # (phone_number_id, wa_id) -> when the customer last wrote in.
    last_inbound: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    messages: list[SentMessage] = field(default_factory=list)
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
