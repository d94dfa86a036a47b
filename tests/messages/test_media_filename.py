"""send-media-message: a file name that could break a header is refused, nothing stored."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta

PDF = b"%PDF-1.7\n" + b"x" * 200
REFUSED = {"error": True, "message": "filename must not contain control characters"}
BAD_NAMES = ["a\r\nX-Evil: 1.pdf", "a\nb.pdf", "a\rb.pdf", "a\tb.pdf", "a\x7fb.pdf"]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_an_upload_with_a_control_character_in_filename_is_400_and_leaves_no_row(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE, "filename": name},
        files={"file": ("invoice.pdf", PDF, "application/pdf")},
        headers=tenant.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json() == REFUSED
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0
    assert await sent_to_meta(sandbox, tenant) == []


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_link_send_with_a_control_character_in_filename_is_400(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        json={
            "customer_phone": PHONE,
            "media_url": "https://example.com/download/1",
            "filename": name,
        },
        headers=tenant.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json() == REFUSED
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0


async def test_an_uploaded_files_own_name_with_a_control_character_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    # Written by hand: httpx percent-escapes control characters in a part's file name.
    raw = (
        b'--B\r\nContent-Disposition: form-data; name="customer_phone"\r\n\r\n'
        + PHONE.encode()
        + b'\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="a\x01b.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--B--\r\n"
    )
    response = await client.post(
        "/mumbleapi/send-media-message",
        content=raw,
        headers={**tenant.headers, "Content-Type": "multipart/form-data; boundary=B"},
    )
    assert response.status_code == 400, response.text
    assert response.json() == REFUSED
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0


async def test_a_non_ascii_filename_is_sent_as_given(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE, "filename": "חשבונית מס 😀.pdf"},
        files={"file": ("invoice.pdf", PDF, "application/pdf")},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    payload = (await sent_to_meta(sandbox, tenant))[0]["payload"]
    assert payload["document"]["filename"] == "חשבונית מס 😀.pdf"
