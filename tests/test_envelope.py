"""Conventions every endpoint shares: the envelope for routing errors, auth, request ids."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant


async def test_unknown_path_is_404_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/mumbleapi/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Not found"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]


async def test_missing_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/mumbleapi/get-labels")
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": "Unauthorized"}


async def test_inbound_request_id_is_echoed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get(
        "/mumbleapi/get-labels", headers=tenant.headers | {"X-Request-ID": "abc-123"}
    )
    assert response.headers["x-request-id"] == "abc-123"


async def test_label_created_and_listed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    created = await client.post(
        "/mumbleapi/add-new-label", json={"label_name": "VIP"}, headers=tenant.headers
    )
    assert created.status_code == 200, created.text
    listed = await client.get("/mumbleapi/get-labels", headers=tenant.headers)
    assert [label["name"] for label in listed.json()["labels"]] == ["VIP"]
    assert listed.headers["x-ratelimit-limit"]
