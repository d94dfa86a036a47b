"""GET /mumbleapi/media/{id}: any stored file name downloads, always as an attachment."""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mumble.messages.media_headers import content_disposition, served_type
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes

PDF = b"%PDF-1.7\n" + b"x" * 200


async def _upload(
    client: httpx.AsyncClient, tenant: Tenant, name: str, data: bytes
) -> dict[str, Any]:
    response = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE},
        files={"file": (name, data, "application/octet-stream")},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _download(client: httpx.AsyncClient, tenant: Tenant, message_id: int) -> httpx.Response:
    return await client.get(f"/mumbleapi/media/{message_id}", headers=tenant.headers)


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("😀.txt", "_.txt"),
        ("קובץ.txt", "____.txt"),
        ("plain report.txt", "plain report.txt"),
    ],
)
async def test_any_file_name_downloads_with_an_rfc_6266_utf8_name_and_an_ascii_fallback(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str, fallback: str
) -> None:
    await customer_writes(sandbox, tenant, text="send it")
    sent = await _upload(client, tenant, name, b"hello\n")

    served = await _download(client, tenant, sent["id"])

    assert served.status_code == 200, served.text
    assert served.content == b"hello\n"
    assert served.headers["content-disposition"].endswith(
        f"; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


async def test_an_inbound_document_with_a_hebrew_name_downloads(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(
        sandbox,
        tenant,
        type="document",
        content=base64.b64encode(PDF).decode(),
        mime_type="application/pdf",
        filename="חשבונית מס.pdf",
    )
    for _ in range(100):
        conv = await client.get(
            "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
        )
        item = conv.json()["messages"][-1]
        if item["media_url"]:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the media never arrived")

    served = await _download(client, tenant, item["id"])

    assert served.status_code == 200, served.text
    assert served.content == PDF
    disposition = served.headers["content-disposition"]
    assert disposition.endswith("filename*=UTF-8''" + quote("חשבונית מס.pdf", safe=""))


def test_the_ascii_fallback_never_breaks_out_of_its_quotes_or_its_header() -> None:
    header = content_disposition('say "hi"\\now\r\nX-Evil: 1.txt', "attachment")
    assert header == (
        'attachment; filename="say _hi__now__X-Evil: 1.txt"; '
        "filename*=UTF-8''say%20%22hi%22%5Cnow%0D%0AX-Evil%3A%201.txt"
    )
    assert content_disposition(None, "attachment") == "attachment"
    assert content_disposition("", "attachment") == "attachment"


async def _inbound_document(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, **spec: Any
) -> httpx.Response:
    await customer_writes(sandbox, tenant, type="document", **spec)
    for _ in range(100):
        conv = await client.get(
            "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
        )
        item = conv.json()["messages"][-1]
        if item["media_url"]:
            return await _download(client, tenant, item["id"])
        await asyncio.sleep(0.05)
    raise AssertionError("the media never arrived")


@pytest.mark.parametrize(
    ("mime", "name", "content"),
    [
        ("text/html", "page.html", b"<script>alert(document.cookie)</script>"),
        ("image/svg+xml", "logo.svg", b"<svg onload='alert(1)'/>"),
        ("application/pdf", "invoice.pdf", PDF),
    ],
)
async def test_a_stored_file_is_an_attachment_that_no_browser_runs(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    mime: str,
    name: str,
    content: bytes,
) -> None:
    served = await _inbound_document(
        client,
        sandbox,
        tenant,
        mime_type=mime,
        filename=name,
        content=base64.b64encode(content).decode(),
    )

    assert served.status_code == 200, served.text
    assert served.content == content
    assert served.headers["content-disposition"].startswith(f'attachment; filename="{name}"')
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"


async def test_an_uploaded_file_without_a_name_is_still_an_attachment(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    served = await _inbound_document(
        client, sandbox, tenant, mime_type="image/jpeg", content=base64.b64encode(b"x").decode()
    )
    assert served.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "mime",
    [
        "text/html\r\nX-Evil: 1",
        "application/pdf\nSet-Cookie: a=b",
        "תמונה/jpeg",
        "nonsense",
        "",
        None,
        'text/plain; x="\\"',
    ],
)
def test_a_malformed_stored_type_is_served_as_octet_stream(mime: str | None) -> None:
    # Meta's media info is the source of a stored type; nothing checks it before it is stored.
    assert served_type(mime) == "application/octet-stream"


async def test_a_stored_type_with_parameters_is_kept(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    served = await _inbound_document(
        client,
        sandbox,
        tenant,
        mime_type="audio/ogg; codecs=opus",
        content=base64.b64encode(b"OggS").decode(),
    )
    assert served.headers["content-type"] == "audio/ogg; codecs=opus"
