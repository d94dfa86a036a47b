"""Helpers of the flow bot tests: a menu bot's flow, waiting for what reached the sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta

PHONE = "972501234567"


def menu_flow(team_id: str) -> dict[str, Any]:
    """A menu (buttons), a branch on the button / a keyword / a regex, a label and a field,
    a timeout that reminds and hands off, and a hand-off to a team."""
    return {
        "start": "menu",
        "nodes": {
            "menu": {
                "type": "send_buttons",
                "body": "How can we help?",
                "buttons": [
                    {"id": "sales", "title": "Sales"},
                    {"id": "support", "title": "Support"},
                ],
                "next": "wait_menu",
            },
            "wait_menu": {
                "type": "wait",
                "timeout_seconds": 600,
                "on_timeout": "reminder",
                "next": "route",
            },
            "route": {
                "type": "branch",
                "cases": [
                    {"button": "sales", "next": "sales"},
                    {"button": "support", "next": "support"},
                    {"keyword": ["price", "prices"], "next": "price"},
                    {"regex": "^[0-9]{4}$", "next": "code"},
                ],
                "default": "sorry",
            },
            "sales": {"type": "send_text", "text": "Our sales team loves you.", "next": "tag"},
            "tag": {"type": "set_label", "label": "lead", "next": "interest"},
            "interest": {
                "type": "set_field",
                "field": "interest",
                "value": "sales",
                "next": "status",
            },
            "status": {"type": "set_status", "status": "open", "next": "bye"},
            "bye": {"type": "send_text", "text": "Thanks, bye!", "next": "done"},
            "done": {"type": "end"},
            "price": {"type": "send_text", "text": "Prices start at 10.", "next": "done"},
            "code": {"type": "send_text", "text": "Code received.", "next": "done"},
            "sorry": {"type": "send_text", "text": "Please tap a button.", "next": "wait_menu"},
            "support": {"type": "handoff", "team_id": team_id},
            "reminder": {"type": "send_text", "text": "Still there?", "next": "to_team"},
            "to_team": {"type": "handoff", "team_id": team_id},
        },
    }


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """What each message sent to Meta says: a text's body, an interactive message's body."""
    said = []
    for message in messages:
        payload = message["payload"]
        if payload["type"] == "text":
            said.append(payload["text"]["body"])
        elif payload["type"] == "interactive":
            said.append(payload["interactive"]["body"]["text"])
        else:
            said.append(payload["type"])
    return said


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    """Wait until `check()` holds (the bot worker runs in the background)."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def said_to(sandbox: SandboxHandle, tenant: Tenant, phone: str = PHONE) -> list[str]:
    return texts([m for m in await sent_to_meta(sandbox, tenant) if m["to"].lstrip("+") == phone])


async def until_said(
    sandbox: SandboxHandle, tenant: Tenant, count: int, phone: str = PHONE
) -> list[str]:
    """Wait until the sandbox holds `count` messages to `phone`; returns what they say."""

    async def enough() -> bool:
        return len(await said_to(sandbox, tenant, phone)) >= count

    await eventually(enough)
    return await said_to(sandbox, tenant, phone)
