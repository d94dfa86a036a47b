"""send-media-message: multipart upload and media_url, type checks, limits, Meta failures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import MediaBlob, Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault, sent_to_meta

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"x" * 200
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100


async def _upload(
    client: httpx.AsyncClient,
    tenant: Tenant,
    name: str,
    data: bytes,
    mime: str = "application/octet-stream",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE, **fields},
        files={"file": (name, data, mime)},
        headers=tenant.headers,
    )


async def _by_url(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-media-message",
        json={"customer_phone": PHONE, **body},
        headers=tenant.headers,
    )


async def test_uploaded_image_goes_to_meta_by_media_id_and_is_served_back(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="send me the photo")
    response = await _upload(client, tenant, "photo.png", PNG, "image/png", caption="Here")
    assert response.status_code == 200, response.text
    body = response.json()
    sent = await sent_to_meta(sandbox, tenant)
    assert len(sent) == 1
    payload = sent[0]["payload"]
    assert payload["type"] == "image"
    assert payload["image"]["caption"] == "Here"
    media_id = payload["image"]["id"]
    assert sandbox.sandbox.state.media[media_id].data == PNG
    assert sandbox.sandbox.state.media[media_id].mime_type == "image/png"
    assert body["message_wa_id"] == sent[0]["id"]
    message = await Message.get(id=body["id"])
    assert (message.type, message.media_id, message.media_mime) == ("image", media_id, "image/png")
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    item = conv.json()["messages"][-1]
    assert item["is_img"] is True
    assert item["text"] == "Here"
    served = await client.get(item["media_url"], headers=tenant.headers)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"


async def test_document_upload_keeps_its_filename(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="invoice?")
    response = await _upload(client, tenant, "invoice.pdf", PDF, "application/pdf")
    assert response.status_code == 200, response.text
    payload = (await sent_to_meta(sandbox, tenant))[0]["payload"]
    assert payload["type"] == "document"
    assert payload["document"]["filename"] == "invoice.pdf"


async def test_media_url_is_sent_as_a_link_with_the_type_from_its_extension(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _by_url(
        client, tenant, media_url="https://cdn.example.com/p/photo.JPG?v=2", caption="Look"
    )
    assert response.status_code == 200, response.text
    payload = (await sent_to_meta(sandbox, tenant))[0]["payload"]
    assert payload["type"] == "image"
    assert payload["image"] == {
        "link": "https://cdn.example.com/p/photo.JPG?v=2",
        "caption": "Look",
    }
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert conv.json()["messages"][-1]["media_url"] == "https://cdn.example.com/p/photo.JPG?v=2"


async def test_filename_gives_the_type_when_the_url_has_no_extension(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _by_url(
        client, tenant, media_url="https://files.example.com/download/123", filename="report.pdf"
    )
    assert response.status_code == 200, response.text
    payload = (await sent_to_meta(sandbox, tenant))[0]["payload"]
    assert payload["type"] == "document"
    assert payload["document"]["filename"] == "report.pdf"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.jpg", "image"),
        ("a.jpeg", "image"),
        ("a.png", "image"),
        ("a.webp", "sticker"),
        ("a.mp4", "video"),
        ("a.mp3", "audio"),
        ("a.ogg", "audio"),
        ("a.m4a", "audio"),
        ("a.opus", "audio"),
        ("a.pdf", "document"),
        ("a.doc", "document"),
        ("a.docx", "document"),
        ("a.xls", "document"),
        ("a.xlsx", "document"),
        ("a.ppt", "document"),
        ("a.pptx", "document"),
        ("a.txt", "document"),
    ],
)
async def test_each_of_the_17_sendable_extensions_maps_to_a_whatsapp_type(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str, kind: str
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _by_url(client, tenant, media_url=f"https://example.com/{name}")
    assert response.status_code == 200, response.text
    assert (await sent_to_meta(sandbox, tenant))[0]["payload"]["type"] == kind


async def test_media_errors_word_for_word(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    cases = [
        (await _by_url(client, tenant), "Either file upload or media_url is required."),
        (
            await client.post(
                "/mumbleapi/send-media-message",
                json={"media_url": "https://example.com/a.jpg"},
                headers=tenant.headers,
            ),
            "Missing required parameter: customer_phone",
        ),
        (
            await _by_url(client, tenant, media_url="https://example.com/a.xyz"),
            "Unsupported file type: .xyz",
        ),
        (await _upload(client, tenant, "virus.exe", b"MZ\x90\x00"), "Unsupported file type: .exe"),
    ]
    for response, message in cases:
        assert response.status_code == 400, response.text
        assert response.json() == {"error": True, "message": message}
    assert await sent_to_meta(sandbox, tenant) == []


async def test_upload_whose_content_does_not_match_its_extension_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _upload(client, tenant, "photo.png", PDF)
    assert response.status_code == 400
    assert response.json()["message"] == "File content does not match its extension (.png)"
    assert await sent_to_meta(sandbox, tenant) == []
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0


async def test_upload_over_whatsapps_limit_for_its_type_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _upload(client, tenant, "big.webp", WEBP + b"\x00" * (600 * 1024))
    assert response.status_code == 400
    assert response.json()["message"] == "File too large for a WhatsApp sticker (at most 500 KB)"
    assert await sent_to_meta(sandbox, tenant) == []


async def test_failed_upload_to_meta_is_recorded_and_reported(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="media", error_code=131053)
    response = await _upload(client, tenant, "photo.png", PNG, "image/png")
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to upload media file."
    assert await sent_to_meta(sandbox, tenant) == []
    message = await Message.get(account_id=tenant.account.id, direction="outbound")
    assert message.status == "failed"
    assert message.error_code == 131053
    assert await MediaBlob.filter(message_id=message.id).count() == 1


async def test_failed_media_send_is_reported(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131053)
    response = await _by_url(client, tenant, media_url="https://example.com/a.jpg")
    assert response.status_code == 400
    assert response.json()["message"] == "Failed to send media message."
    message = await Message.get(account_id=tenant.account.id, direction="outbound")
    assert message.status == "failed"


async def test_media_cannot_be_read_with_another_accounts_key(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await _upload(client, tenant, "photo.png", PNG, "image/png")
    message_id = response.json()["id"]
    theirs = await client.get(f"/mumbleapi/media/{message_id}", headers=other_tenant.headers)
    assert theirs.status_code == 404
    assert theirs.json() == {"error": True, "message": "Media not found"}
    anonymous = await client.get(f"/mumbleapi/media/{message_id}")
    assert anonymous.status_code == 401
    bogus = await client.get("/mumbleapi/media/not-a-number", headers=tenant.headers)
    assert bogus.status_code == 404
