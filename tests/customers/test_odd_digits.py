"""Digits that are not ASCII 0-9: page numbers refused cleanly, phone digits of any script kept."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import Customer
from mumble.text import ascii_int
from tests.conftest import Tenant

# 972501234567 in Arabic-Indic digits (U+0660 to U+0669).
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in "972501234567")
PAGE_ERROR = {"error": True, "message": "'page' must be a positive integer"}


@pytest.mark.parametrize("page", ["²", "1" * 5000, "\u0661", "+1", " ", "1_000"])
async def test_a_page_that_is_not_ascii_digits_is_a_400_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant, page: str
) -> None:
    # Found by fuzzing: "²" passed str.isdigit() and int() raised; 5000 digits passed both checks
    # and int() refused the length. Both were 500s.
    response = await client.get(
        "/mumbleapi/get-all-customers", params={"page": page}, headers=tenant.headers
    )
    assert response.status_code == 400
    assert response.json() == PAGE_ERROR


async def test_a_phone_in_arabic_indic_digits_is_the_same_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    added = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": ARABIC_INDIC},
        headers=tenant.headers,
    )
    assert added.status_code == 200, added.text
    stored = await Customer.get(account_id=tenant.account.id)
    assert stored.phone == "972501234567"
    found = await client.get(
        "/mumbleapi/get-customer",
        params={"customer_phone": "972501234567"},
        headers=tenant.headers,
    )
    assert found.json()["customer"]["phone"] == "972501234567"


def test_ascii_int_takes_only_short_runs_of_ascii_digits() -> None:
    assert ascii_int("0042") == 42
    assert ascii_int("9" * 18) == int("9" * 18)
    for text in ("", "²", "\u0661", "-1", "1.0", " 1", "9" * 19, "1" * 5000):
        assert ascii_int(text) is None, text


@pytest.mark.parametrize("phone", ["80012345678", "88213012345", "8835100123456"])
async def test_a_non_geographic_number_is_stored_without_a_country(
    client: httpx.AsyncClient, tenant: Tenant, phone: str
) -> None:
    # Found by fuzzing: phonenumbers names the region of +800/+882/+883 numbers "001", which is
    # no ISO country (and longer than the column), so add-new-customer answered 500.
    added = await client.post(
        "/mumbleapi/add-new-customer", json={"customer_phone": phone}, headers=tenant.headers
    )
    assert added.status_code == 200, added.text
    shown = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": phone}, headers=tenant.headers
    )
    assert shown.json()["customer"]["country"] is None
    assert (await Customer.get(account_id=tenant.account.id, phone=phone)).country is None
