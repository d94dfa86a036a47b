"""get-webhook-deliveries: a `limit` that is not ASCII digits is a 400, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant


@pytest.mark.parametrize("limit", ["²", "1" * 5000, "\u0661", "0", "201", "true"])
async def test_a_limit_that_is_not_a_small_ascii_number_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, limit: str
) -> None:
    # Found by fuzzing: "²" passed str.isdigit() and int() raised, a 500.
    response = await client.get(
        "/mumbleapi/get-webhook-deliveries",
        params={"webhook_id": "6d2f0a9e-0000-4000-8000-000000000000", "limit": limit},
        headers=tenant.headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "'limit' must be an integer from 1 to 200",
    }
