"""Every status an endpoint answers is in the document: checked on every test, and shown here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import NotFound, Refusal
from tests.conftest import SandboxHandle, Tenant, _undocumented
from tests.messages.support import PHONE, customer_writes

BOT_NOT_FOUND = {"error": True, "message": "Bot not found."}


def _answers(document: dict[str, Any], path: str) -> dict[str, Any]:
    responses: dict[str, Any] = document["paths"][path]["post"]["responses"]
    return responses


async def test_a_send_naming_an_unknown_bot_answers_a_documented_404(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, document: dict[str, Any]
) -> None:
    await customer_writes(sandbox, tenant)
    sends = {
        "/mumbleapi/send-text-message": {"text": "Hello"},
        "/mumbleapi/send-media-message": {"media_url": "https://example.com/a.jpg"},
    }
    for path, body in sends.items():
        payload = {"customer_phone": PHONE, "bot_token": "no-such-bot", **body}
        response = await client.post(path, json=payload, headers=tenant.headers)
        assert response.status_code == 404, response.text
        assert response.json() == BOT_NOT_FOUND
        assert "`Bot not found.`" in _answers(document, path)["404"]["description"]


async def test_the_template_header_formats_documented_are_the_accepted_ones(
    document: dict[str, Any],
) -> None:
    body = document["paths"]["/mumbleapi/create-template"]["post"]["requestBody"]
    header = body["content"]["application/json"]["schema"]["properties"]["header"]
    formats = header["properties"]["format"]["enum"]
    assert "TEXT" in formats
    assert "AUDIO" not in formats


@pytest.mark.undocumented_answer
async def test_an_answer_the_declaration_omits_is_counted(
    app: Starlette, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    missing = Refusal(NotFound, "Nothing here")

    async def handler(call: Call) -> dict[str, Any]:
        raise missing()

    contract = Endpoint("GET", "/omits-404", "labels:read", "Probe.", "Probe", {})
    app.router.routes.insert(0, Mount("/probe", routes=[api_route(contract, handler)]))
    before = _undocumented().get(("/omits-404", "404"), 0)
    response = await client.get("/probe/omits-404", headers=tenant.headers)
    assert response.status_code == 404
    assert _undocumented()[("/omits-404", "404")] == before + 1
