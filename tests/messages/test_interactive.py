"""send-interactive-message (reply buttons, lists, CTA URL) against the sandbox, Meta's limits
checked locally, and the customer's choices coming back as inbound messages and events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.errors import MumbleError
from mumble.messages.interactive import InteractiveRequest, build_interactive
from mumble.models import Event
from tests.api import get, post
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta, stored_messages

BUTTONS = [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]
SECTIONS = [
    {"title": "Colours", "rows": [{"id": "red", "title": "Red", "description": "Warm"}]},
    {"title": "Sizes", "rows": [{"id": "s", "title": "Small"}, {"id": "l", "title": "Large"}]},
]


async def _send(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(client, tenant, "send-interactive-message", customer_phone=PHONE, **fields)


def test_reply_buttons_become_metas_object() -> None:
    request = InteractiveRequest("button", "Pick one", header="Order 42", buttons=BUTTONS)
    assert build_interactive(request) == {
        "type": "button",
        "header": {"type": "text", "text": "Order 42"},
        "body": {"text": "Pick one"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "no", "title": "No"}},
            ]
        },
    }


def test_a_list_and_a_cta_url_become_metas_objects() -> None:
    listed = build_interactive(
        InteractiveRequest("list", "Choose", footer="Thanks", button="Options", sections=SECTIONS)
    )
    cta = build_interactive(
        InteractiveRequest("cta_url", "Track it", display_text="Track", url="https://ex.com/t/1")
    )
    assert listed == {
        "type": "list",
        "body": {"text": "Choose"},
        "footer": {"text": "Thanks"},
        "action": {"button": "Options", "sections": SECTIONS},
    }
    assert cta["action"] == {
        "name": "cta_url",
        "parameters": {"display_text": "Track", "url": "https://ex.com/t/1"},
    }


def _problems(request: InteractiveRequest) -> list[str]:
    with pytest.raises(MumbleError) as raised:
        build_interactive(request)
    assert raised.value.status == 400
    assert str(raised.value) == "The interactive message is not valid"
    return list(raised.value.details or [])


def test_every_problem_is_listed_at_once() -> None:
    buttons = [
        {"id": "a", "title": "T" * 21},
        {"id": "a" * 257, "title": "Same"},
        {"id": "a", "title": "Same"},
        {"id": "d", "title": "D"},
    ]
    problems = _problems(InteractiveRequest("button", "x" * 1025, footer="f" * 61, buttons=buttons))
    assert problems == [
        "body must be at most 1024 characters",
        "footer must be at most 60 characters",
        "buttons must hold 1 to 3 items",
        "buttons[0].title must be at most 20 characters",
        "buttons[1].id must be at most 256 characters",
        "Button ids must be unique",
        "Button titles must be unique",
    ]


def test_list_limits_are_metas() -> None:
    rows = [{"id": f"r{i}", "title": f"Row {i}"} for i in range(6)]
    sections = [
        {"rows": rows},
        {
            "title": "S" * 25,
            "rows": [*rows[:5], {"id": "x", "title": "R" * 25, "description": "d" * 73}],
        },
    ]
    problems = _problems(InteractiveRequest("list", "Choose", button="B" * 21, sections=sections))
    assert problems == [
        "button must be at most 20 characters",
        "sections[0].title is required",
        "sections[1].title must be at most 24 characters",
        "sections[1].rows[5].title must be at most 24 characters",
        "sections[1].rows[5].description must be at most 72 characters",
        "A list holds at most 10 rows in all its sections",
        "Row ids must be unique",
    ]


@pytest.mark.parametrize(
    "url", ["ftp://ex.com/a", "javascript:alert(1)", "https://user:pw@ex.com/", "ex.com/a"]
)
def test_a_cta_url_must_be_a_plain_http_url(url: str) -> None:
    problems = _problems(InteractiveRequest("cta_url", "Go", display_text="Open", url=url))
    assert len(problems) == 1
    assert problems[0].startswith("url: ")


def test_missing_parts_and_unknown_types_are_listed() -> None:
    assert _problems(InteractiveRequest(None, None)) == [
        "type must be one of: button, list, cta_url",
        "body is required",
    ]
    assert _problems(InteractiveRequest("button", "Hi", buttons="yes")) == [
        "buttons must be a list of objects"
    ]
    assert _problems(InteractiveRequest("cta_url", "Hi", display_text=5)) == [
        "display_text must be a text",
        "url is required",
    ]


async def test_reply_buttons_reach_the_sandbox_exactly_and_are_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="Can I change my order?")
    response = await _send(
        client,
        tenant,
        type="button",
        body="Do you want to change it?",
        footer="Reply within a day",
        buttons=BUTTONS,
        reply_to=inbound["id"],
    )
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + PHONE,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Do you want to change it?"},
            "footer": {"text": "Reply within a day"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}},
                ]
            },
        },
        "context": {"message_id": inbound["id"]},
        "biz_opaque_callback_data": f"mumble-message:{response.json()['id']}",
    }
    answer = response.json()
    assert answer["message_wa_id"] == sent[0]["id"]
    shown = (await get(client, tenant, "get-message", message_wa_id=sent[0]["id"])).json()
    assert (shown["message"]["type"], shown["message"]["text"]) == (
        "interactive",
        "Do you want to change it?",
    )


async def test_a_list_and_a_cta_url_are_sent(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    listed = await _send(
        client, tenant, type="list", body="Choose", button="Options", sections=SECTIONS
    )
    cta = await _send(
        client,
        tenant,
        type="cta_url",
        body="Track it",
        display_text="Track",
        url="https://ex.com/1",
    )
    assert (listed.status_code, cta.status_code) == (200, 200), (listed.text, cta.text)
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"]["interactive"]["action"] == {
        "button": "Options",
        "sections": SECTIONS,
    }
    assert sent[1]["payload"]["interactive"] == {
        "type": "cta_url",
        "body": {"text": "Track it"},
        "action": {
            "name": "cta_url",
            "parameters": {"display_text": "Track", "url": "https://ex.com/1"},
        },
    }


async def test_an_invalid_interactive_message_lists_every_problem_and_sends_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    before = len(await stored_messages(tenant))
    response = await _send(
        client,
        tenant,
        type="button",
        body="",
        buttons=[{"id": "a", "title": "A much too long title"}] * 4,
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["message"] == "The interactive message is not valid"
    assert answer["details"] == [
        "body is required",
        "buttons must hold 1 to 3 items",
        *[f"buttons[{i}].title must be at most 20 characters" for i in range(4)],
        "Button ids must be unique",
        "Button titles must be unique",
    ]
    assert await sent_to_meta(sandbox, tenant) == []
    assert len(await stored_messages(tenant)) == before


async def test_outside_the_window_or_for_another_accounts_customer_it_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, make_tenant: MakeTenant
) -> None:
    other = await make_tenant("Other Co")
    await customer_writes(sandbox, tenant, text="hi")
    closed = await _send(client, other, type="button", body="Hi", buttons=BUTTONS)
    missing = await post(client, tenant, "send-interactive-message", type="button", body="Hi")
    assert closed.status_code == 400
    assert closed.json()["message"] == "Conversation is closed (send a template instead)"
    assert (missing.status_code, missing.json()["message"]) == (400, "Phone number is required.")
    assert await sent_to_meta(sandbox, other) == []


@pytest.mark.parametrize(
    ("spec", "choice", "kind"),
    [
        (
            {"reply_type": "button_reply", "reply_id": "yes", "reply_title": "Yes"},
            ("yes", "Yes"),
            "interactive",
        ),
        (
            {"reply_type": "list_reply", "reply_id": "red", "reply_title": "Red"},
            ("red", "Red"),
            "interactive",
        ),
        (
            {"type": "button", "payload": "STOP_PROMOS", "button_text": "Stop"},
            ("STOP_PROMOS", "Stop"),
            "button",
        ),
    ],
)
async def test_the_customers_choice_is_stored_shown_and_in_the_event(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    spec: dict[str, str],
    choice: tuple[str, str],
    kind: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    ours = (await _send(client, tenant, type="button", body="Pick", buttons=BUTTONS)).json()
    await customer_writes(
        sandbox, tenant, **({"type": "interactive"} | spec), context_id=ours["message_wa_id"]
    )
    response = await get(client, tenant, "get-conversation", customer_phone=PHONE)
    last = response.json()["messages"][-1]
    assert last["type"] == kind
    assert last["choice"] == {"id": choice[0], "title": choice[1]}
    assert last["text"] == choice[1]
    assert last["reply_to"] == ours["message_wa_id"]
    events = await Event.filter(account_id=tenant.account.id, type="message.received").order_by(
        "seq"
    )
    assert events[-1].data["choice"] == {"id": choice[0], "title": choice[1]}
