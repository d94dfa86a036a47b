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
