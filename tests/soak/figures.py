"""The soak's five figures, computed (pure functions) from what was stored, what the sandbox
received and what the receiver processed. Each must be 0."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# What a stored outbound message says about Meta: these statuses claim Meta accepted it.
WENT_OUT = frozenset({"sent", "delivered", "read"})
# Event types a fact produces at most once per subject (a message climbs each rung once, a
# customer is created once). Others (customer.updated, labels) may repeat legitimately.
ONCE_PER_SUBJECT = frozenset(
    {
        "message.received",
        "message.sent",
        "message.delivered",
        "message.read",
        "message.failed",
        "customer.created",
    }
)


@dataclasses.dataclass(frozen=True)
class Stored:
    """One outbound message row."""

    id: int
    wamid: str | None
    status: str
    text: str


@dataclasses.dataclass(frozen=True)
class AtMeta:
    """One send the sandbox (Meta) accepted: its wamid and the text it carried."""

    wamid: str
    text: str


@dataclasses.dataclass(frozen=True)
class Figures:
    messages_lost: int
    sent_twice: int
    stuck_accepted: int
    events_lost: int
    events_twice: int

    @property
    def ok(self) -> bool:
        return not any(dataclasses.astuple(self))

    def render(self) -> str:
        rows = [
            ("messages lost", self.messages_lost),
            ("sent twice", self.sent_twice),
            ("stuck `accepted` after the sweep", self.stuck_accepted),
            ("events lost", self.events_lost),
            ("events delivered twice (receiver deduplicating by id)", self.events_twice),
        ]
        return "\n".join(f"  {name:<56}{value:>6}" for name, value in rows)


def messages_lost(
    answered: Mapping[str, tuple[int, str]], stored: Iterable[Stored], at_meta: Iterable[AtMeta]
) -> int:
    """Sends lost: answered 200 (key -> (id, wamid)) with no stored row of that id and wamid,
    or whose wamid Meta never received; plus stored rows claiming Meta took them (sent,
    delivered, read) whose wamid Meta never received. Each message counts once."""
    rows = {row.id: row for row in stored}
    meta = {item.wamid for item in at_meta}
    lost: set[str] = set()
    for message_id, wamid in answered.values():
        row = rows.get(message_id)
        if row is None or row.wamid != wamid or wamid not in meta:
            lost.add(f"id:{message_id}")
    for row in rows.values():
        if row.status in WENT_OUT and row.wamid not in meta:
            lost.add(f"id:{row.id}")
    return len(lost)


def _excess(counts: Counter[str]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)


def sent_twice(stored: Iterable[Stored], at_meta: Iterable[AtMeta]) -> int:
    """Extra copies: a request's text (unique per Idempotency-Key) Meta received more than
    once, a wamid Meta handed out twice, or one wamid stored on two rows."""
    items = list(at_meta)
    texts = Counter(item.text for item in items)
    wamids = Counter(item.wamid for item in items)
    stored_wamids = Counter(row.wamid for row in stored if row.wamid is not None)
    return _excess(texts) + _excess(wamids) + _excess(stored_wamids)


def stuck_accepted(stored: Iterable[Stored]) -> int:
    """Rows still `accepted` (after the sweep had its chance)."""
    return sum(row.status == "accepted" for row in stored)


def events_lost(due: Iterable[str], processed: Mapping[str, dict[str, Any]]) -> int:
    """Events stored with a delivery row for the receiver's endpoint that the receiver never
    processed (answered 2xx) once."""
    return len(set(due) - set(processed))


def subject_of(payload: dict[str, Any]) -> str | None:
    """What a once-per-subject event is about (the message or customer id); None otherwise."""
    if payload.get("type") not in ONCE_PER_SUBJECT:
        return None
    data = payload["data"]
    if payload["type"] == "customer.created":
        return str(data["customer"]["id"])
    return str(data["id"])


def events_twice(processed: Mapping[str, dict[str, Any]]) -> int:
    """Duplicates a receiver deduplicating by webhook-id still hands to its application.

    The receiver processes each webhook-id once (a redelivery of a processed id is answered 200
    and dropped: at-least-once delivery allows it, and it is counted apart, not here). So
    what can still reach the application twice is one fact under two ids: the same
    (type, subject) of a once-per-subject type (ONCE_PER_SUBJECT: message.received/sent/
    delivered/read/failed of one message id, customer.created of one customer id) in two
    processed events. The figure is the number of such extra events.
    """
    counts = Counter(
        f"{payload['type']}:{subject}"
        for payload in processed.values()
        if (subject := subject_of(payload)) is not None
    )
    return _excess(counts)


def compute(
    *,
    answered: Mapping[str, tuple[int, str]],
    stored: list[Stored],
    at_meta: list[AtMeta],
    due: list[str],
    processed: Mapping[str, dict[str, Any]],
) -> Figures:
    """All five figures."""
    return Figures(
        messages_lost=messages_lost(answered, stored, at_meta),
        sent_twice=sent_twice(stored, at_meta),
        stuck_accepted=stuck_accepted(stored),
        events_lost=events_lost(due, processed),
        events_twice=events_twice(processed),
    )
