"""A template category update keeps its announced category whatever its timestamp looks like."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import Template
from mumble.whatsapp.payloads import webhook_envelope
from tests.conftest import Tenant
from tests.messages.support import post_signed
from tests.templates.support import create


@pytest.mark.parametrize("stamp", [9 * 10**18, 1e300, "²", "1" * 5000, -9 * 10**18])
async def test_an_out_of_range_timestamp_keeps_the_update_and_never_fails_the_webhook(
    client: httpx.AsyncClient, tenant: Tenant, stamp: object
) -> None:
    # Found by fuzzing: an out-of-range stamp raised OverflowError (a 500 Meta retries forever)
    # and "²" passed str.isdigit() and made int() raise, dropping the whole change.
    spec = {"name": "note", "language": "en_US", "category": "UTILITY", "body": "Shipped!"}
    data = (await create(client, tenant, **spec)).json()["data"]
    value = {
        "message_template_id": int(data["meta_id"]),
        "message_template_name": "note",
        "message_template_language": "en_US",
        "new_category": "UTILITY",
        "correct_category": "MARKETING",
        "category_update_timestamp": stamp,
    }
    envelope = webhook_envelope(str(tenant.account.waba_id), "template_category_update", value)
    response = await post_signed(client, envelope)
    assert response.status_code == 200, response.text
    row = await Template.get(id=data["id"])
    assert row.correct_category == "MARKETING"
    assert row.category_update_at is None
