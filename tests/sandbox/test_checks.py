"""The sandbox refuses the send objects Meta refuses, and only those (pure checks, one by HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from mumble.sandbox.checks import INVALID, MISSING, message_problem
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID

CUSTOMER = "16505551234"


def _send(kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": "+" + CUSTOMER, "type": kind, kind: obj} | extra


def _interactive(kind: str, action: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return _send("interactive", {"type": kind, "body": {"text": "Hi"}, "action": action} | parts)


def _reply(i: int, title: str = "") -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": f"b{i}", "title": title or f"B{i}"}}


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "title": f"Row {i}"} for i in range(n)]


ACCEPTED_INTERACTIVE = [
    _interactive("button", {"buttons": [_reply(0), _reply(1), _reply(2)]}),
    _interactive("list", {"button": "Options", "sections": [{"title": "A", "rows": _rows(10)}]}),
    _interactive(
        "cta_url", {"name": "cta_url", "parameters": {"display_text": "Go", "url": "https://e.x"}}
    ),
    # Types the sandbox does not check in detail still pass, as they do at Meta.
    _interactive("location_request_message", {"name": "send_location"}),
    _interactive("flow", {"name": "flow", "parameters": {"flow_id": "1"}}),
    _interactive("product", {"catalog_id": "1", "product_retailer_id": "sku"}),
    _interactive("catalog_message", {"name": "catalog_message"}),
    _interactive("call_permission_request", {"name": "call_permission_request"}),
]
REFUSED_INTERACTIVE = [
    _interactive("button", {"buttons": [_reply(i) for i in range(4)]}),
    _interactive("button", {"buttons": [_reply(0, "T" * 21)]}),
    _interactive("button", {"buttons": [_reply(0, "Same"), _reply(1, "Same")]}),
    _interactive("list", {"button": "Options", "sections": [{"rows": _rows(11)}]}),
    _interactive(
        "list", {"button": "Options", "sections": [{"rows": _rows(1)}, {"rows": _rows(1)}]}
    ),
    _interactive("list", {"button": "B" * 21, "sections": [{"rows": _rows(1)}]}),
    _interactive(
        "cta_url", {"name": "cta_url", "parameters": {"display_text": "Go", "url": "ftp://e"}}
    ),
    _interactive("button", {"buttons": [_reply(0)]}, footer={"text": "f" * 61}),
    _send("interactive", {"type": "button", "action": {"buttons": [_reply(0)]}}),
]


@pytest.mark.parametrize("body", ACCEPTED_INTERACTIVE)
def test_interactive_types_meta_accepts_pass(body: dict[str, Any]) -> None:
    assert message_problem("interactive", body) is None


@pytest.mark.parametrize("body", REFUSED_INTERACTIVE)
def test_interactive_objects_beyond_metas_limits_are_refused(body: dict[str, Any]) -> None:
    assert message_problem("interactive", body) is not None


@pytest.mark.parametrize(
    "body",
    [
        _send("text", {"body": "hi"}, context={"message_id": "wamid.A"}),
        _send("image", {"link": "https://e.x/a.jpg"}, context={"message_id": "wamid.A"}),
        _send("reaction", {"message_id": "wamid.A", "emoji": "\U0001f44d"}),
        _send("reaction", {"message_id": "wamid.A", "emoji": ""}),
        _send("reaction", {"message_id": "wamid.A"}),
    ],
)
def test_what_meta_accepts_passes(body: dict[str, Any]) -> None:
    assert message_problem(body["type"], body) is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_send("text", {"body": "hi"}, context={}), MISSING),
        (_send("text", {"body": "hi"}, context="wamid.A"), MISSING),
        (_send("reaction", {"emoji": "x"}), MISSING),
        (_send("reaction", {"message_id": "wamid.A", "emoji": 1}), INVALID),
        (
            _send("reaction", {"message_id": "wamid.A", "emoji": "x"}, context={"message_id": "w"}),
            INVALID,
        ),
    ],
)
def test_what_meta_refuses_is_refused_with_its_code(body: dict[str, Any], code: int) -> None:
    problem = message_problem(body["type"], body)
    assert problem is not None
    assert problem[0] == code


async def test_a_reaction_without_its_message_is_a_graph_error(sandbox: SandboxHandle) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
    )
    response = await sandbox.control.post(
        f"/v23.0/{PHONE_NUMBER_ID}/messages",
        json=_send("reaction", {"emoji": "x"}),
        headers={"Authorization": "Bearer EAAtoken"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == MISSING
    assert error["error_data"]["details"] == "reaction.message_id is required"
