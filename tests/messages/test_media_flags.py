"""The reference's is_* flags of a media message: is_pdf only for a PDF."""

from __future__ import annotations

import httpx
import pytest

from tests.api import body, get, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes


@pytest.mark.parametrize(
    ("name", "is_pdf"),
    [
        ("invoice.pdf", True),
        ("INVOICE.PDF", True),
        ("letter.docx", False),
        ("letter.doc", False),
        ("sheet.xls", False),
        ("sheet.xlsx", False),
        ("slides.pptx", False),
        ("notes.txt", False),
        ("photo.jpg", False),
    ],
)
async def test_is_pdf_is_true_only_for_a_pdf_document(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str, is_pdf: bool
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = await post(
        client,
        tenant,
        "send-media-message",
        customer_phone=PHONE,
        media_url=f"https://example.com/{name}",
    )
    assert sent.status_code == 200, sent.text

    message = body(
        await get(client, tenant, "get-message", message_wa_id=body(sent)["message_wa_id"])
    )

    assert message["message"]["is_pdf"] is is_pdf
