"""One odd item in a signed batch: stored clipped or sanitised, the rest of the batch goes in.

Each case sends `[good, odd, good]` as Meta would (one signed POST); the batch answers 200, all
three messages are stored, what could not be stored as sent is clipped or sanitised, and the
repair is counted in `mumble_inbound_repairs`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mumble.models import Customer, Message, PendingStatus
from mumble.observability import metrics
from mumble.whatsapp.signature import HEADER, sign
from tests.conftest import TEST_APP_SECRET, Tenant
from tests.messages.support import PHONE, messages_envelope, post_signed

LONG = 300
REPLACEMENT = "\ufffd"


def repairs() -> float:
    """How many repairs of inbound values were counted so far, all kinds together."""
    return sum(
        sample.value
        for family in metrics.INBOUND_REPAIRS.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    )


def text_message(wamid: str | int, body: str, **extra: Any) -> dict[str, Any]:
    return {
        "from": PHONE,
        "id": wamid,
        "timestamp": "1782734400",
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def document(wamid: str, **fields: Any) -> dict[str, Any]:
    doc = {"id": "MEDIA1", "mime_type": "application/pdf", "filename": "a.pdf", **fields}
    return {
        "from": PHONE,
        "id": wamid,
        "timestamp": "1782734400",
        "type": "document",
        "document": doc,
    }


ODD: dict[str, dict[str, Any]] = {
    "filename": document("wamid.ODD", filename="f" * LONG + ".pdf"),
    "message_id": text_message("wamid." + "x" * LONG, "odd id"),
    "mime_type": document("wamid.ODD", mime_type="application/" + "x" * LONG),
    "media_id": document("wamid.ODD", id="9" * LONG),
    "user_id": text_message("wamid.ODD", "odd user", from_user_id="US." + "7" * LONG),
    "nul_text": text_message("wamid.ODD", "before\x00after"),
    "nul_choice": {
        "from": PHONE,
        "id": "wamid.ODD",
        "timestamp": "1782734400",
        "type": "interactive",
        "interactive": {
            "type": "button_reply",
            "button_reply": {"id": "yes\x00no", "title": "Yes"},
        },
    },
    "error_code": {
        "from": PHONE,
        "id": "wamid.ODD",
        "timestamp": "1782734400",
        "type": "unsupported",
        "errors": [{"code": 2**40, "title": "Message type unknown"}],
    },
}


async def _send_batch(
    client: httpx.AsyncClient, tenant: Tenant, odd: dict[str, Any], name: str = "Dana"
) -> None:
    envelope = messages_envelope(
        tenant,
        contacts=[{"profile": {"name": name}, "wa_id": PHONE}],
        messages=[text_message("wamid.FIRST", "first"), odd, text_message("wamid.LAST", "last")],
    )
    response = await post_signed(client, envelope)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("case", list(ODD))
async def test_one_odd_message_does_not_fail_the_rest_of_the_batch(
    client: httpx.AsyncClient, tenant: Tenant, case: str
) -> None:
    before = repairs()
    await _send_batch(client, tenant, ODD[case])
    stored = await Message.filter(account_id=tenant.account.id).order_by("id")
    assert len(stored) == 3
    first, odd, last = stored
    assert (first.text, last.text) == ("first", "last")
    assert repairs() > before
    if case == "filename":
        assert odd.media_filename is not None
        assert len(odd.media_filename) == 255
        assert odd.media_filename.startswith("fff")
    if case == "message_id":
        assert odd.wamid is not None
        assert len(odd.wamid) == 255
        assert odd.text == "odd id"
    if case == "mime_type":
        assert odd.media_mime is not None
        assert len(odd.media_mime) == 128
    if case == "media_id":
        assert odd.media_id == "9" * 128
    if case == "user_id":
        assert odd.text == "odd user"
        customer = await Customer.get(id=odd.customer_id)  # type: ignore[attr-defined]
        assert customer.phone == PHONE
        assert customer.bsuid is not None
        assert len(customer.bsuid) == 160
    if case == "nul_text":
        assert odd.text == f"before{REPLACEMENT}after"
        assert odd.payload["text"]["body"] == f"before{REPLACEMENT}after"
    if case == "nul_choice":
        assert odd.choice_id == f"yes{REPLACEMENT}no"
    if case == "error_code":
        assert odd.error_code is None
        assert odd.error_message == "Message type unknown"


async def test_a_replayed_odd_message_is_stored_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _send_batch(client, tenant, ODD["message_id"])
    await _send_batch(client, tenant, ODD["message_id"])
    assert await Message.filter(account_id=tenant.account.id).count() == 3


async def test_a_nul_in_the_profile_name_is_replaced_and_the_customer_keeps_the_name(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = repairs()
    await _send_batch(client, tenant, text_message("wamid.ODD", "middle"), name="Da\x00na")
    assert await Message.filter(account_id=tenant.account.id).count() == 3
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.name == f"Da{REPLACEMENT}na"
    assert repairs() > before


async def test_a_user_only_sender_with_an_overlong_id_is_one_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    user = "US." + "7" * LONG
    messages = []
    for n in range(2):
        message = text_message(f"wamid.U{n}", f"hi {n}", from_user_id=user)
        del message["from"]
        messages.append(message)
    envelope = messages_envelope(
        tenant, contacts=[{"profile": {"name": "U"}, "user_id": user}], messages=messages
    )
    assert (await post_signed(client, envelope)).status_code == 200
    customers = await Customer.filter(account_id=tenant.account.id)
    assert len(customers) == 1
    assert customers[0].bsuid == user[:160]
    assert await Message.filter(customer_id=customers[0].id).count() == 2


@pytest.mark.parametrize(
    "metadata",
    [
        {"phone_number_id": "1" * LONG},
        {"phone_number_id": "\x00"},
    ],
)
async def test_a_batch_for_an_overlong_phone_number_id_is_acknowledged(
    client: httpx.AsyncClient, tenant: Tenant, metadata: dict[str, str]
) -> None:
    envelope = messages_envelope(tenant, messages=[text_message("wamid.A", "a")])
    envelope["entry"][0]["changes"][0]["value"]["metadata"] = metadata
    assert (await post_signed(client, envelope)).status_code == 200
    assert await Message.filter(account_id=tenant.account.id).count() == 0


async def test_a_template_webhook_with_overlong_ids_is_acknowledged(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for waba, template in (("1" * LONG, "5"), (tenant.account.waba_id, "5" * LONG)):
        envelope = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": waba,
                    "changes": [
                        {
                            "field": "message_template_status_update",
                            "value": {
                                "event": "APPROVED",
                                "message_template_id": template,
                                "message_template_name": "x",
                                "message_template_language": "en_US",
                            },
                        }
                    ],
                }
            ],
        }
        assert (await post_signed(client, envelope)).status_code == 200


def _status(wamid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": wamid,
        "status": "failed",
        "timestamp": "1782734500",
        "recipient_id": PHONE,
        **extra,
    }


async def test_odd_statuses_do_not_fail_the_rest_of_the_batch(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = repairs()
    odd_error = {"code": 2**40, "title": "Odd", "error_data": {"details": "bad\x00detail"}}
    statuses = [
        _status("wamid.S1"),
        _status("wamid." + "x" * LONG),
        _status("wamid.S2", errors=[odd_error]),
        _status("wamid.S3"),
    ]
    response = await post_signed(client, messages_envelope(tenant, statuses=statuses))
    assert response.status_code == 200
    parked = await PendingStatus.filter(account_id=tenant.account.id).order_by("id")
    assert [p.wamid for p in parked] == ["wamid.S1", "wamid.S2", "wamid.S3"]
    assert parked[1].error_code is None
    assert parked[1].error_message == f"bad{REPLACEMENT}detail"
    assert repairs() >= before + 2


def _nested(levels: int) -> dict[str, Any]:
    deep: dict[str, Any] = {"end": True}
    for _ in range(levels):
        deep = {"next": deep}
    return deep


async def test_a_message_nested_300_levels_deep_is_stored_with_its_text(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = repairs()
    odd = text_message("wamid.DEEP", "deep one", context=_nested(300))
    envelope = messages_envelope(
        tenant,
        contacts=[{"profile": {"name": "Dana"}, "wa_id": PHONE}],
        messages=[text_message("wamid.FIRST", "first"), odd, text_message("wamid.LAST", "last")],
    )
    # orjson refuses to write past 255 levels; Meta's serialiser need not.
    raw = json.dumps(envelope).encode()
    response = await client.post(
        "/webhooks/whatsapp",
        content=raw,
        headers={"Content-Type": "application/json", HEADER: sign(raw, TEST_APP_SECRET)},
    )
    assert response.status_code == 200
    stored = await Message.filter(account_id=tenant.account.id).order_by("id")
    assert [m.text for m in stored] == ["first", "deep one", "last"]
    assert stored[1].payload["text"] == {"body": "deep one"}
    assert repairs() > before


async def test_an_unreadable_message_is_skipped_visibly_and_the_rest_stored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = repairs()
    await _send_batch(client, tenant, text_message(5, "no usable id"))
    stored = await Message.filter(account_id=tenant.account.id).order_by("id")
    assert [m.text for m in stored] == ["first", "last"]
    assert repairs() == before + 1
