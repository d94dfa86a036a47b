"""With private URLs not allowed (production), webhooks cannot reach internal addresses."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mumble.events import signing
from mumble.events.worker import DeliveryWorker
from mumble.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from mumble.settings import Settings
from tests.conftest import Tenant
from tests.webhooks.conftest import drain
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, allow_private_urls=False)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1"),
        ("http://127.0.0.1:8000/mumbleapi/get-webhooks", "127.0.0.1"),
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://192.168.0.10/hook", "192.168.0.10"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/hook", "::1"),
        ("https://[fe80::1]/hook", "fe80::1"),
        ("http://localhost/hook", None),
        ("http://0x7f000001/hook", None),
        ("http://[2002:7f00:1::]/", "2002:7f00:1:: = 127.0.0.1"),
        ("http://[2002:a00:1::]/", "2002:a00:1:: = 10.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe = 169.254.169.254"),
        ("http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", None),
    ],
)
async def test_private_loopback_and_link_local_urls_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, url: str, address: str | None
) -> None:
    created = await client.post(
        "/mumbleapi/add-webhook",
        headers=tenant.headers,
        json={"url": url, "events": ["customer.created"]},
    )
    assert created.status_code == 400
    message = created.json()["message"]
    assert message.startswith("Invalid webhook URL: URL points to a private or reserved address (")
    if address is not None:
        assert message.endswith(f"({address})")
    assert await WebhookEndpoint.all().count() == 0


async def test_edit_cannot_move_a_webhook_to_a_private_address(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    endpoint = await WebhookEndpoint.create(
        account_id=tenant.account.id,
        url="https://93.184.215.14/hook",
        events=["customer.created"],
        secret=signing.new_secret(),
    )
    edited = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={"webhook_id": str(endpoint.id), "url": "http://169.254.169.254/"},
    )
    assert edited.status_code == 400
    assert edited.json()["message"] == (
        "Invalid webhook URL: URL points to a private or reserved address (169.254.169.254)"
    )
    assert (await WebhookEndpoint.get(id=endpoint.id)).url == "https://93.184.215.14/hook"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_delivery_time_check_refuses_an_address_that_became_private(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    host: str,
) -> None:
    # As if the name resolved publicly at registration and to loopback now (DNS rebinding).
    port = receiver.url.rsplit(":", 1)[1].split("/", 1)[0]
    endpoint = await WebhookEndpoint.create(
        account_id=tenant.account.id,
        url=f"http://{host}:{port}/hook",
        events=["customer.created"],
        secret=signing.new_secret(),
    )
    added = await client.post(
        "/mumbleapi/add-new-customer",
        headers=tenant.headers,
        json={"customer_phone": "972501234567"},
    )
    assert added.status_code == 200
    await drain(worker)
    assert receiver.received == []
    delivery = await WebhookDelivery.get(endpoint_id=endpoint.id)
    assert delivery.status == "failed"
    assert delivery.last_error is not None
    assert delivery.last_error.startswith(
        "URL refused: URL points to a private or reserved address ("
    )
    attempt = await WebhookAttempt.get(delivery_id=delivery.id)
    assert (attempt.succeeded, attempt.status_code) == (False, None)

    tested = await client.post(
        "/mumbleapi/test-webhook", headers=tenant.headers, json={"webhook_id": str(endpoint.id)}
    )
    assert tested.status_code == 200
    assert tested.json()["delivered"] is False
    assert tested.json()["error"].startswith("URL refused: ")
    assert receiver.received == []
