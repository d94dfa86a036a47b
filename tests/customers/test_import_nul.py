"""import-customers with NUL characters anywhere in a row: the row is refused by name, the rest
of the batch is stored, and nothing answers 500 (PostgreSQL text and JSONB cannot hold NUL).
A NUL inside a phone is not text to store: the phone's digits are read as add-new-customer reads
them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Tenant

IMPORT = "/mumbleapi/import-customers"
GOOD = {"customer_phone": "14155550101", "name": "Ann"}
NUL_ROWS: dict[str, dict[str, Any]] = {
    "name": {"customer_phone": "14155550102", "name": "A\x00B"},
    "email": {"customer_phone": "14155550102", "email": "a\x00@example.com"},
    "attribution": {"customer_phone": "14155550102", "utm_source": "x\x00y"},
    "custom_value": {"customer_phone": "14155550102", "tier": "go\x00ld"},
    "custom_name": {"customer_phone": "14155550102", "ti\x00er": "gold"},
    "bot_token": {"customer_phone": "14155550102", "bot_token": "A\x00I"},
}


@pytest.mark.parametrize("case", sorted(NUL_ROWS))
async def test_a_row_with_a_nul_is_refused_and_the_rest_stored(
    client: httpx.AsyncClient, tenant: Tenant, case: str
) -> None:
    response = await client.post(IMPORT, json=[GOOD, NUL_ROWS[case]], headers=tenant.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    good, odd = body["results"]
    assert good["status"] == "created"
    assert odd["status"] == "error"
    assert odd["message"]


async def test_a_csv_with_a_nul_is_answered_in_the_envelope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = b"customer_phone,name\n14155550101,Ann\n14155550102,A\x00B\n"
    files = {"file": ("customers.csv", data, "text/csv")}
    response = await client.post(IMPORT, files=files, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created", "error"]
