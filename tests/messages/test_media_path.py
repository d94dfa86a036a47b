"""GET /mumbleapi/media/{id}: an id that is not a plain number is a 404 in the envelope."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Tenant


@pytest.mark.parametrize("message_id", ["²", "1" * 5000, "\u0661", "-1", "1e3"])
async def test_a_media_id_that_is_not_ascii_digits_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, message_id: str
) -> None:
    # Found by fuzzing: "²" passed str.isdigit() and int() raised, a 500.
    response = await client.get(f"/mumbleapi/media/{message_id}", headers=tenant.headers)
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Media not found"}
