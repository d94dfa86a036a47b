"""create-campaign from a CSV upload: each row's columns kept for its values, every unusable
line reported with its number, the file bounded in bytes and rows."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from mumble.campaigns import csvfile
from mumble.models import Campaign, CampaignRecipient, Customer
from tests.campaigns.support import customer, sale_template, stored
from tests.conftest import SandboxHandle, Tenant

VALUES = {"variables": [{"column": "first", "fallback": "there"}]}


async def upload(
    client: httpx.AsyncClient, tenant: Tenant, data: bytes, **fields: Any
) -> httpx.Response:
    form = {
        key: value if isinstance(value, str) else orjson.dumps(value).decode()
        for key, value in fields.items()
    }
    return await client.post(
        "/mumbleapi/create-campaign",
        data=form,
        files={"file": ("audience.csv", data, "text/csv")},
        headers=tenant.headers,
    )


async def test_a_csv_audience_keeps_each_rows_columns_and_skips_repeats(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    await customer(tenant, "972500000002", opted_out=True)
    data = (
        "\ufeffPhone,first,city\n"
        "972500000001,Ann,Haifa\n"
        '"+972 50 000 0002",Bob,"Tel Aviv"\n'
        "\n"
        "972500000001,Ann again,Eilat\n"
    ).encode()

    response = await upload(
        client, tenant, data, name="From CSV", template_id=template["id"], values=VALUES
    )

    assert response.status_code == 200, response.text
    campaign = response.json()["campaign"]
    assert (campaign["status"], campaign["recipients"]) == ("running", 3)
    assert campaign["audience"]["csv_rows"] == 3
    assert await stored(campaign["id"]) == [
        ("972500000001", "queued", None),
        ("972500000002", "skipped", "opted_out"),
        ("972500000001", "skipped", "duplicate"),
    ]
    rows = await CampaignRecipient.filter(campaign_id=campaign["id"]).order_by("id")
    assert rows[0].row == {"phone": "972500000001", "first": "Ann", "city": "Haifa"}
    assert rows[1].row == {"phone": "+972 50 000 0002", "first": "Bob", "city": "Tel Aviv"}
    assert await Customer.filter(account_id=tenant.account.id, phone="972500000001").exists()


async def test_every_unusable_line_is_listed_with_its_number_and_nothing_is_written(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    data = (
        b"phone,first\n"
        b"972500000001,Ann\n"
        b"12,Bob\n"
        b"972500000003\n"
        b"972500000004,Caf\xe9\n"
        b"972500000005,Dan,extra\n"
    )

    response = await upload(
        client,
        tenant,
        data,
        name="Bad CSV",
        template_id=template["id"],
        values={"variables": [{"column": "last"}]},
        labels="VIP",
    )

    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": True,
        "message": "Invalid campaign",
        "details": [
            "labels: unknown label 'VIP'",
            "CSV line 3: invalid phone '12'",
            "CSV line 4: expected 2 columns, 1 found",
            "CSV line 5: not UTF-8 text",
            "CSV line 6: expected 2 columns, 3 found",
            "variables[1]: the CSV has no column 'last'",
        ],
    }
    assert await Campaign.all().count() == 0
    assert not await Customer.filter(account_id=tenant.account.id).exists()


async def test_a_header_without_phone_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    response = await upload(
        client, tenant, b"mobile,first\n1,2\n", name="x", template_id=template["id"], values=VALUES
    )
    assert response.status_code == 400
    assert response.json()["details"][0] == "CSV line 1: the header needs a 'phone' column"


async def test_a_file_past_the_byte_limit_is_a_413_and_past_the_row_limit_a_400(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = await sale_template(client, sandbox, tenant)
    monkeypatch.setattr(csvfile, "MAX_BYTES", 1000)
    big = b"phone,first\n" + b"972500000001,Ann\n" * 100
    response = await upload(
        client, tenant, big, name="Big", template_id=template["id"], values=VALUES
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] is True
    assert response.json()["message"].startswith("CSV file too large")

    monkeypatch.setattr(csvfile, "MAX_ROWS", 3)
    many = b"phone,first\n" + b"".join(b"97250000000%d,A\n" % i for i in range(5))
    response = await upload(
        client, tenant, many, name="Many", template_id=template["id"], values=VALUES
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("CSV file has too many rows")
    assert await Campaign.all().count() == 0
