"""create-template: absurd placeholder numbers are a 400 naming the rule, never a 500 or a hang."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import Template
from tests.conftest import Tenant
from tests.templates.support import create


@pytest.mark.parametrize("number", ["999999999999", "9" * 21, "1" * 5000])
async def test_a_huge_variable_number_is_out_of_sequence(
    client: httpx.AsyncClient, tenant: Tenant, number: str
) -> None:
    # Found by probing: the sequence check built range(1, max + 1) as a list (OverflowError past
    # 19 digits, a memory blow-up below that) and int() refuses 4300+ digits: 500s.
    response = await create(
        client,
        tenant,
        name="big_numbers",
        language="en_US",
        category="UTILITY",
        body=f"Hi {{{{{number}}}}} there",
        body_examples=["x"],
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Invalid template configuration"
    assert any("sequential" in detail or "{{1}}" in detail for detail in body["details"]), body
    assert await Template.filter(account_id=tenant.account.id).count() == 0
