"""Walks every payload in tests/data: error bodies map as recorded, webhooks have Meta's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mumble.channels.errors import meta_refusal
from mumble.sandbox.inbound import MESSAGE_TYPES, build_message
from mumble.sandbox.state import State
from mumble.whatsapp import errors as wa_errors
from mumble.whatsapp.signature import sign, verify

DATA = Path(__file__).parent.parent / "data"
ERRORS = json.loads((DATA / "errors" / "graph.json").read_text())
WEBHOOK_FILES = sorted((DATA / "webhooks").glob("*.json"))
WEBHOOKS = {
    f"{path.stem}/{name}": body
    for path in WEBHOOK_FILES
    for name, body in json.loads(path.read_text()).items()
}
MESSAGES = json.loads((DATA / "webhooks" / "messages.json").read_text())


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_each_recorded_graph_error_maps_as_expected(name: str) -> None:
    case = ERRORS[name]
    retry_after = float(case["retry_after"]) if "retry_after" in case else None

    error = wa_errors.from_graph(case["body"], case["http_status"], retry_after=retry_after)

    assert error is not None
    assert type(error).__name__ == case["expect"]["class"]
    assert error.code == case["body"]["error"]["code"]
    assert error.fbtrace_id == case["body"]["error"]["fbtrace_id"]
    assert error.details == case["body"]["error"]["error_data"]["details"]
    mapped = meta_refusal(error)
    assert mapped.status == case["expect"]["status"]
    assert mapped.message == case["expect"]["message"]
    if mapped.status == 429:
        assert int(mapped.headers["Retry-After"]) >= 1


def test_a_body_without_an_error_object_is_not_a_graph_error() -> None:
    assert wa_errors.from_graph({"messages": []}, 500) is None
    assert wa_errors.from_graph("<html>Bad gateway</html>", 502) is None


def _values(envelope: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c["field"], c["value"]) for e in envelope["entry"] for c in e["changes"]]


@pytest.mark.parametrize("name", sorted(WEBHOOKS))
def test_each_recorded_webhook_has_metas_envelope_and_verifies(name: str) -> None:
    envelope = WEBHOOKS[name]
    raw = json.dumps(envelope).encode()

    assert envelope["object"] == "whatsapp_business_account"
    for field, value in _values(envelope):
        if field == "messages":
            assert value["metadata"]["phone_number_id"].isdigit()
            for item in value.get("messages", []) + value.get("statuses", []):
                assert item["id"].startswith("wamid.")
                assert isinstance(item["timestamp"], str)
        else:
            assert isinstance(value["message_template_id"], int)
    assert verify(raw, sign(raw, "app-secret"), "app-secret")
    assert not verify(raw + b" ", sign(raw, "app-secret"), "app-secret")


@pytest.mark.parametrize("kind", MESSAGE_TYPES)
def test_the_sandbox_builds_each_type_with_the_corpus_fields(kind: str) -> None:
    recorded = [
        m
        for env in MESSAGES.values()
        for _, value in _values(env)
        for m in value["messages"]
        if m["type"] == kind
    ]
    built = build_message(State(), {"phone_number_id": "1", "from": "1650", "type": kind}, 1)[1]

    assert recorded, f"no {kind} message in the corpus"
    required = set.intersection(*(set(m) for m in recorded)) - {"context", "referral"}
    assert required <= set(built)
    if isinstance(built.get(kind), dict):
        recorded_keys = set.intersection(*(set(m[kind]) for m in recorded))
        optional = {"caption", "name", "address", "url"}  # documented as optional
        assert recorded_keys - optional <= set(built[kind])
