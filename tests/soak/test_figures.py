"""The soak's figures count what they say (pure functions, no processes)."""

from __future__ import annotations

from typing import Any

from tests.soak import figures
from tests.soak.figures import AtMeta, Stored


def _event(event_id: str, event_type: str, subject: str) -> dict[str, Any]:
    data: dict[str, Any] = (
        {"customer": {"id": subject}} if event_type.startswith("customer.") else {"id": subject}
    )
    return {"id": event_id, "type": event_type, "data": data}


def test_clean_run_is_all_zero() -> None:
    stored = [Stored(1, "wamid.a", "read", "t1"), Stored(2, None, "failed", "t2")]
    result = figures.compute(
        answered={"k1": (1, "wamid.a")},
        stored=stored,
        at_meta=[AtMeta("wamid.a", "t1")],
        due=["e1"],
        processed={"e1": _event("e1", "message.sent", "1")},
    )
    assert result.ok
    assert result == figures.Figures(0, 0, 0, 0, 0)


def test_lost_counts_an_answer_without_row_and_a_sent_row_meta_never_got() -> None:
    stored = [Stored(2, "wamid.b", "sent", "t2")]
    lost = figures.messages_lost({"k1": (1, "wamid.a")}, stored, [AtMeta("wamid.a", "t1")])
    assert lost == 2


def test_sent_twice_counts_a_text_meta_received_twice() -> None:
    at_meta = [AtMeta("wamid.a", "t1"), AtMeta("wamid.b", "t1")]
    assert figures.sent_twice([Stored(1, "wamid.a", "sent", "t1")], at_meta) == 1


def test_stuck_and_events_lost() -> None:
    assert figures.stuck_accepted([Stored(1, None, "accepted", "t1")]) == 1
    assert figures.events_lost(["e1", "e2"], {"e1": _event("e1", "message.sent", "1")}) == 1


def test_twice_is_one_fact_under_two_ids_not_a_repeated_type() -> None:
    processed = {
        "e1": _event("e1", "message.delivered", "7"),
        "e2": _event("e2", "message.delivered", "7"),
        "e3": _event("e3", "customer.created", "c1"),
        "e4": _event("e4", "customer.updated", "c1"),
        "e5": _event("e5", "customer.updated", "c1"),
    }
    assert figures.events_twice(processed) == 1
