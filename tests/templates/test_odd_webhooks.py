"""One odd template webhook in a signed batch: stored fitted to its column, the rest goes in.

Each case sends one entry with three changes, `[good, odd, good]`, for three templates of the
account (one signed POST, as Meta batches them). The batch answers 200, both good changes are
applied, the odd one is applied with what its columns cannot hold clipped, sanitised or (for a
value of the wrong type) left out, and the repair is counted in `mumble_inbound_repairs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mumble.models import Template
from tests.conftest import Tenant
from tests.inbound.test_odd_items import REPLACEMENT, repairs
from tests.messages.support import post_signed
from tests.templates.support import create

LONG = 300
STATUS = "message_template_status_update"
QUALITY = "message_template_quality_update"
CATEGORY = "template_category_update"

# case -> (field, the odd change's value besides the template's ids, what the odd row then holds)
ODD: dict[str, tuple[str, dict[str, Any], Callable[[Template], bool]]] = {
    "long_reason": (
        STATUS,
        {"event": "REJECTED", "reason": "R" * LONG},
        lambda t: t.status == "REJECTED" and t.rejection_reason == "R" * 64,
    ),
    "nul_reason": (
        STATUS,
        {"event": "REJECTED", "reason": "BAD\x00REASON"},
        lambda t: t.rejection_reason == f"BAD{REPLACEMENT}REASON",
    ),
    "object_reason": (
        STATUS,
        {"event": "REJECTED", "reason": {"code": "x" * LONG}},
        lambda t: t.status == "REJECTED" and t.rejection_reason is None,
    ),
    "long_event": (
        STATUS,
        {"event": "E" * LONG},
        lambda t: t.status == "E" * 32,
    ),
    "object_event": (
        STATUS,
        {"event": ["APPROVED"] * LONG},
        lambda t: t.status == "PENDING",
    ),
    "long_status_category": (
        STATUS,
        {"event": "APPROVED", "message_template_category": "m" * LONG},
        lambda t: t.status == "APPROVED" and t.category == "M" * 32,
    ),
    "nul_note": (
        STATUS,
        {"event": "REJECTED", "rejection_info": {"reason": "a\x00b", "recommendation": "c"}},
        lambda t: t.status_note == f"a{REPLACEMENT}b - c",
    ),
    "long_quality": (
        QUALITY,
        {"new_quality_score": "Y" * LONG},
        lambda t: t.quality_score == "Y" * 16,
    ),
    # Fits as sent, not once upper-cased: "ß".upper() is "SS".
    "quality_longer_upper_cased": (
        QUALITY,
        {"new_quality_score": "ß" * 16},
        lambda t: t.quality_score == "S" * 16,
    ),
    "long_new_category": (
        CATEGORY,
        {"previous_category": "UTILITY", "new_category": "n" * LONG},
        lambda t: t.category == "N" * 32 and t.previous_category == "UTILITY",
    ),
    "long_previous_category": (
        CATEGORY,
        {"previous_category": "p" * LONG, "new_category": "MARKETING"},
        lambda t: t.category == "MARKETING" and t.previous_category == "P" * 32,
    ),
    "object_previous_category": (
        CATEGORY,
        {"previous_category": {"x": "y" * LONG}, "new_category": "MARKETING"},
        lambda t: t.category == "MARKETING" and t.previous_category is None,
    ),
    "long_correct_category": (
        CATEGORY,
        {"new_category": "UTILITY", "correct_category": "c" * LONG},
        lambda t: t.correct_category == "C" * 32,
    ),
    "object_correct_category": (
        CATEGORY,
        {"new_category": "UTILITY", "correct_category": {"x": "y" * LONG}},
        lambda t: t.correct_category is None,
    ),
    # Names no template by id; the name and language find the row, which has another id.
    "object_template_id": (
        STATUS,
        {"event": "APPROVED", "message_template_id": {"id": "9" * LONG}},
        lambda t: t.status == "PENDING",
    ),
}


async def _template(client: httpx.AsyncClient, tenant: Tenant, name: str) -> dict[str, Any]:
    spec = {"name": name, "language": "en_US", "category": "UTILITY", "body": "Shipped!"}
    response = await create(client, tenant, **spec)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data | {"name": name}


def _ids(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_template_id": int(data["meta_id"]),
        "message_template_name": data["name"],
        "message_template_language": "en_US",
    }


@pytest.mark.parametrize("case", list(ODD))
async def test_one_odd_template_webhook_does_not_fail_the_rest_of_the_batch(
    client: httpx.AsyncClient, tenant: Tenant, case: str
) -> None:
    first, odd, last = [await _template(client, tenant, n) for n in ("first", "odd", "last")]
    field, value, holds = ODD[case]
    approve = {"event": "APPROVED", "reason": "NONE"}
    changes = [
        {"field": STATUS, "value": _ids(first) | approve},
        {"field": field, "value": _ids(odd) | value},
        {"field": STATUS, "value": _ids(last) | approve},
    ]
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": str(tenant.account.waba_id), "changes": changes}],
    }
    before = repairs()
    response = await post_signed(client, envelope)
    assert response.status_code == 200, response.text
    rows = {t.name: t for t in await Template.filter(account_id=tenant.account.id)}
    assert (rows["first"].status, rows["last"].status) == ("APPROVED", "APPROVED")
    assert holds(rows["odd"]), vars(rows["odd"])
    assert repairs() > before
