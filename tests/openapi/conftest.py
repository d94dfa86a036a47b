"""The document as a client fetches it, for the tests of this folder."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    answer: dict[str, Any] = response.json()
    return answer
