"""Logs of inbound batches carry ids and counts, never what the customer sent."""

from __future__ import annotations

import logging

import httpx
import pytest
from tortoise.exceptions import ValidationError

from mumble.logs import JsonFormatter
from tests.conftest import Tenant
from tests.inbound.test_odd_items import ODD, text_message
from tests.messages.support import PHONE, messages_envelope, post_signed

SECRET = "Confidential-Invoice"


def _record(exc: BaseException) -> logging.LogRecord:
    return logging.LogRecord(
        "mumble",
        logging.ERROR,
        __file__,
        1,
        "unhandled error",
        (),
        (
            type(exc),
            exc,
            exc.__traceback__,
        ),
    )


def test_a_logged_database_error_does_not_quote_the_value_it_refused() -> None:
    try:
        try:
            raise ValidationError(f"Length of '{SECRET}.pdf' 304 > 255")
        except ValidationError as inner:
            raise ValidationError(f"media_filename: {inner}") from inner
    except ValidationError as exc:
        line = JsonFormatter().format(_record(exc))
    assert SECRET not in line
    assert "ValidationError" in line
    assert "test_logs_no_content.py" in line  # the traceback itself is kept


def test_a_logged_error_of_our_own_keeps_its_message() -> None:
    try:
        raise RuntimeError("No TortoiseContext is currently active")
    except RuntimeError as exc:
        line = JsonFormatter().format(_record(exc))
    assert "No TortoiseContext is currently active" in line


async def test_the_logs_of_an_odd_batch_quote_no_customer_content(
    client: httpx.AsyncClient, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    odd_items = [dict(item, id=f"wamid.ODD{n}") for n, item in enumerate(ODD.values())]
    odd_items.append(text_message(7, f"{SECRET} unreadable"))
    odd_items.append(text_message("wamid.NUL", f"{SECRET}\x00text"))
    envelope = messages_envelope(
        tenant,
        contacts=[{"profile": {"name": f"{SECRET} Name\x00"}, "wa_id": PHONE}],
        messages=odd_items,
        statuses=[{"id": "wamid.S", "status": f"{SECRET} status", "recipient_id": PHONE}],
        errors=[{"code": 131000, "title": "x", "error_data": {"details": f"{SECRET} detail"}}],
    )
    envelope["entry"][0]["changes"].append({"field": f"{SECRET}_field", "value": {}})
    # Libraries stay at their production level (warning, see mumble.logs.configure).
    with caplog.at_level(logging.DEBUG, logger="mumble"):
        assert (await post_signed(client, envelope)).status_code == 200
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any("repaired" in line for line in lines)
    customer_content = [SECRET, "fff", "xxxxxxxx", "9999999", "7777777", "application/x"]
    leaks = [line for line in lines for text in customer_content if text in line]
    assert not leaks, leaks
