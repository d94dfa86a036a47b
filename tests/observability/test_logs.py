"""Logs as `mumble serve` writes them (mumble.logs.configure): one JSON line per request, the
500 path logged once with its request id, and no key, token, secret or body in any line."""

from __future__ import annotations

import dataclasses
import io
import logging
import random
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from mumble import logs
from mumble.app import create_app
from mumble.events.worker import DeliveryWorker
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.conftest import TEST_APP_SECRET, TEST_VERIFY_TOKEN, MakeTenant, SandboxHandle
from tests.messages.support import PHONE, customer_writes
from tests.webhooks.conftest import add_webhook, drain
from tests.webhooks.receiver import Receiver

# The test's own HTTP client (httpx) logs its request URLs: not the server's lines, kept quiet.
_CLIENT_LOGGERS = ("httpx", "httpcore")
_TOUCHED = ("uvicorn", "uvicorn.error", "uvicorn.access", *logs._QUIET, *_CLIENT_LOGGERS)


async def _boom(request: Request) -> Any:
    await request.body()
    raise RuntimeError("simulated bug")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, run_worker=False, webhook_timeout_seconds=2)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> Starlette:
    app = create_app(settings, clock=clock)
    # A handler with a bug: the real 500 path (error handler, middleware, uvicorn's own log).
    app.router.routes.append(Route("/boom", _boom, methods=["POST"]))
    return app


@pytest.fixture
def json_logs(server: str) -> Iterator[io.StringIO]:
    """Logging configured as the CLI does it, at debug level, written to a buffer.

    It runs after the test server started, as `mumble serve` configures logging before
    uvicorn (whose own logging config the CLI turns off, and the test server does not).
    """
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved = {
        name: (lg.handlers[:], lg.propagate, lg.disabled, lg.level)
        for name, lg in ((n, logging.getLogger(n)) for n in _TOUCHED)
    }
    buffer = io.StringIO()
    logs.configure("debug")
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    for name in _CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield buffer
    finally:
        root.handlers[:], level = saved_root
        root.setLevel(level)
        for name, (handlers, propagate, disabled, lvl) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers[:] = handlers
            logger.propagate, logger.disabled = propagate, disabled
            logger.setLevel(lvl)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line written so far, each parsed as one JSON object (fails on any other line)."""
    return [orjson.loads(line) for line in buffer.getvalue().splitlines() if line]


async def test_each_request_is_one_json_line_with_id_account_route_status_and_latency(
    client: httpx.AsyncClient, make_tenant: MakeTenant, json_logs: io.StringIO
) -> None:
    tenant = await make_tenant()
    response = await client.get(
        "/mumbleapi/get-labels", headers=tenant.headers | {"X-Request-ID": "trace-42"}
    )
    anonymous = await client.get("/mumbleapi/get-labels", headers={"X-Request-ID": "trace-43"})

    assert response.status_code == 200
    assert anonymous.status_code == 401
    access = [line for line in lines(json_logs) if line["logger"] == "mumble.access"]
    assert [line["request_id"] for line in access] == ["trace-42", "trace-43"]
    first, second = access
    assert first["level"] == "info"
    assert first["message"] == "request"
    assert {k: first[k] for k in ("method", "route", "path", "status", "account")} == {
        "method": "GET",
        "route": "/mumbleapi/get-labels",
        "path": "/mumbleapi/get-labels",
        "status": 200,
        "account": str(tenant.account.id),
    }
    assert isinstance(first["latency_ms"], float | int)
    assert 0 <= first["latency_ms"] < 10_000
    assert "time" in first
    assert (second["status"], second["account"]) == (401, None)


async def test_a_500_is_logged_once_with_its_request_id_which_the_response_carries(
    client: httpx.AsyncClient, json_logs: io.StringIO
) -> None:
    response = await client.post("/boom", json={"x": 1}, headers={"X-Request-ID": "bug-7"})

    assert response.status_code == 500
    assert response.json() == {"error": True, "message": "An unexpected error occurred"}
    assert response.headers["X-Request-ID"] == "bug-7"
    errors = [line for line in lines(json_logs) if line["level"] == "error"]
    assert len(errors) == 1, errors  # ours; uvicorn's copy without the request id is dropped
    assert errors[0]["logger"] == "mumble.errors"
    assert errors[0]["request_id"] == "bug-7"
    assert "RuntimeError: simulated bug" in errors[0]["exception"]
    access = [line for line in lines(json_logs) if line["logger"] == "mumble.access"]
    assert [(a["request_id"], a["route"], a["status"]) for a in access] == [("bug-7", "/boom", 500)]


async def test_no_key_token_secret_or_message_body_reaches_a_log_line(
    client: httpx.AsyncClient,
    make_tenant: MakeTenant,
    sandbox: SandboxHandle,
    settings: Settings,
    clock: FrozenClock,
    json_logs: io.StringIO,
) -> None:
    access_token = "EAAsecretACCESStokenNEVERlogged"
    tenant = await make_tenant(access_token=access_token)
    inbound_text = "inbound body: my card is 4111-1111"
    outbound_text = "outbound body: your code is 918273"
    query_marker = "query-data-never-logged"
    async with Receiver().running() as receiver:
        hook = await add_webhook(client, tenant.headers, receiver.url, ["message.received"])
        await customer_writes(sandbox, tenant, text=inbound_text)
        sent = await client.post(
            "/mumbleapi/send-text-message",
            headers=tenant.headers,
            json={"customer_phone": PHONE, "text": outbound_text},
        )
        await client.get(f"/mumbleapi/get-labels?note={query_marker}", headers=tenant.headers)
        await client.get(
            "/webhooks/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": TEST_VERIFY_TOKEN},
        )
        failed = await client.post(
            "/boom", headers=tenant.headers, json={"customer_phone": PHONE, "text": outbound_text}
        )
        async with aiohttp.ClientSession() as session:
            worker = DeliveryWorker(session, settings, clock=clock, rng=random.Random(3))
            delivered = await drain(worker)
    await sandbox.flush()

    assert sent.status_code == 200, sent.text
    assert failed.status_code == 500
    assert delivered == 1
    written = lines(json_logs)
    text = json_logs.getvalue()
    loggers = {line["logger"] for line in written}
    # The run did log: requests, the 500 with its traceback, the webhook worker.
    assert {"mumble.access", "mumble.errors", "mumble.webhooks"} <= loggers
    secrets = {
        "API key": tenant.key,
        "access token": access_token,
        "webhook secret": hook["secret"],
        "app secret": TEST_APP_SECRET,
        "verify token": TEST_VERIFY_TOKEN,
        "inbound body": inbound_text,
        "outbound body": outbound_text,
        "query string": query_marker,
    }
    leaked = [name for name, secret in secrets.items() if secret in text]
    assert leaked == []
