"""The adapter's request bodies and success parsing, checked by what the sandbox received."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.payloads import media_payload, template_payload, text_payload
from tests.api import body
from tests.conftest import SandboxHandle

CUSTOMER = "16505551234"


async def _open_window(sandbox: SandboxHandle, channel: Channel) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": channel.phone_number_id, "wa_id": CUSTOMER}
    )


async def _received(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = body(await sandbox.control.get("/_sandbox/messages"))["data"]
    return data


async def test_text_send_posts_metas_exact_body_and_returns_the_wamid(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _open_window(sandbox, channel)

    wamid = await graph.send_message(channel, text_payload(CUSTOMER, "Order 123 shipped"))

    assert wamid.startswith("wamid.")
    [sent] = await _received(sandbox)
    assert sent["id"] == wamid
    assert sent["authorization"] == "Bearer EAAsecret-token-123"
    assert sent["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "text",
        "text": {"body": "Order 123 shipped", "preview_url": False},
    }
    [request] = (await sandbox.control.get("/_sandbox/requests")).json()["data"][-1:]
    assert request["path"] == f"/{GRAPH_VERSION}/106540352242922/messages"


async def test_media_by_link_and_by_uploaded_id_use_metas_bodies(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _open_window(sandbox, channel)
    pdf = b"%PDF-1.4 sandbox invoice"

    media_id = await graph.upload_media(channel, pdf, "application/pdf", "inv.pdf")
    await graph.send_message(
        channel,
        media_payload(
            CUSTOMER, "document", media_id=media_id, caption="Invoice", filename="inv.pdf"
        ),
    )
    await graph.send_message(
        channel, media_payload(CUSTOMER, "image", link="https://ex.com/a.png", caption="Look")
    )
    await graph.send_message(channel, media_payload(CUSTOMER, "sticker", media_id=media_id))

    bodies = [m["payload"] for m in await _received(sandbox)]
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+16505551234"}
    assert bodies == [
        base
        | {
            "type": "document",
            "document": {"id": media_id, "caption": "Invoice", "filename": "inv.pdf"},
        },
        base | {"type": "image", "image": {"link": "https://ex.com/a.png", "caption": "Look"}},
        base | {"type": "sticker", "sticker": {"id": media_id}},
    ]


async def test_media_upload_is_multipart_with_metas_fields(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    media_id = await graph.upload_media(channel, b"\x89PNG fake", "image/png", "a.png")

    assert media_id.isdigit()
    upload = (await sandbox.control.get("/_sandbox/requests")).json()["data"][-1]
    assert upload["path"] == f"/{GRAPH_VERSION}/106540352242922/media"
    assert upload["content_type"].startswith("multipart/form-data")
    assert upload["form"] == {"messaging_product": "whatsapp", "type": "image/png"}
    assert upload["file"] == {"filename": "a.png", "size": 9, "content_type": "image/png"}


async def test_media_info_and_download_need_the_token(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    media_id = await graph.upload_media(channel, b"OggS voice", "audio/ogg", "v.ogg")

    info = await graph.media_info(channel, media_id)
    data = await graph.download_media(channel, info["url"])

    assert info["mime_type"] == "audio/ogg"
    assert info["file_size"] == 10
    assert len(info["sha256"]) == 64
    assert data == b"OggS voice"
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(info["url"])).status_code == 401


async def test_template_send_has_language_header_body_and_button_parameters(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await sandbox.control.post(
        "/_sandbox/templates",
        json={
            "waba_id": channel.waba_id,
            "name": "order_update",
            "language": "en_US",
            "components": [
                {"type": "HEADER", "format": "IMAGE"},
                {"type": "BODY", "text": "Hi {{1}}, order {{2}} shipped."},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "QUICK_REPLY", "text": "Cancel"},
                        {"type": "URL", "text": "Track", "url": "https://ex.com/t/{{1}}"},
                    ],
                },
            ],
        },
    )
    payload = template_payload(
        CUSTOMER,
        "order_update",
        "en_US",
        header={"type": "image", "link": "https://ex.com/h.png"},
        body_params=["Jessica", "SKBUP2"],
        buttons=[
            {"sub_type": "quick_reply", "index": 0, "payload": "CANCEL:123"},
            {"sub_type": "url", "index": 1, "text": "abc%20123"},
        ],
    )

    wamid = await graph.send_message(channel, payload)  # templates need no open window

    [sent] = await _received(sandbox)
    assert sent["id"] == wamid
    assert sent["payload"]["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {
                "type": "header",
                "parameters": [{"type": "image", "image": {"link": "https://ex.com/h.png"}}],
            },
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Jessica"},
                    {"type": "text", "text": "SKBUP2"},
                ],
            },
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "CANCEL:123"}],
            },
            {
                "type": "button",
                "sub_type": "url",
                "index": "1",
                "parameters": [{"type": "text", "text": "abc%20123"}],
            },
        ],
    }


async def test_template_create_and_paged_list(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    created = []
    for i in range(3):
        created.append(
            await graph.create_template(
                channel,
                {
                    "name": f"promo_{i}",
                    "language": "en_US",
                    "category": "MARKETING",
                    "components": [{"type": "BODY", "text": "Sale today only"}],
                },
            )
        )
    assert all(c["status"] == "PENDING" and c["category"] == "MARKETING" for c in created)

    first, cursor = await graph.list_templates(channel, limit=2)
    second, end = await graph.list_templates(channel, after=cursor, limit=2)

    assert [t["name"] for t in first] == ["promo_0", "promo_1"]
    assert [t["name"] for t in second] == ["promo_2"]
    assert cursor is not None
    assert end is None
    assert {t["id"] for t in first + second} == {c["id"] for c in created}


async def test_resumable_upload_returns_a_header_handle(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    handle = await graph.upload_header_sample(
        "sandbox-app", channel, b"\xff\xd8 jpeg bytes", "image/jpeg", "h.jpg"
    )

    assert handle.startswith("4::")
    start, finish = (await sandbox.control.get("/_sandbox/requests")).json()["data"][-2:]
    assert start["path"] == f"/{GRAPH_VERSION}/sandbox-app/uploads"
    assert start["query"] == {"file_name": "h.jpg", "file_length": "13", "file_type": "image/jpeg"}
    assert finish["path"].startswith(f"/{GRAPH_VERSION}/upload:")
    assert finish["authorization"] == "OAuth EAAsecret-token-123"
    assert finish["upload"] == {"size": 13, "file_offset": "0"}
