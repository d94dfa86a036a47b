"""The reference lists .mov and .wav, but Meta refuses QuickTime and WAV at upload: we refuse
them first, in the contract's words, naming what is accepted, and store and send nothing."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta

ACCEPTED = (
    "jpg, jpeg, png, webp, mp4, mp3, ogg, m4a, opus, pdf, doc, docx, xls, xlsx, ppt, pptx, txt"
)
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 200
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 200
CASES = [
    ("clip.mov", MOV, "video/quicktime"),
    ("CLIP.MOV", MOV, "video/quicktime"),
    ("voice.wav", WAV, "audio/wav"),
]


def _refusal(name: str, mime: str) -> dict[str, object]:
    extension = name.rsplit(".", 1)[1].lower()
    return {
        "error": True,
        "message": f"Unsupported file type: .{extension} (WhatsApp does not accept {mime}; "
        f"accepted: {ACCEPTED})",
    }


async def _nothing_happened(sandbox: SandboxHandle, tenant: Tenant) -> None:
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0
    assert await sent_to_meta(sandbox, tenant) == []
    assert not [r for r in sandbox.sandbox.state.requests if r.get("file")]


@pytest.mark.parametrize(("name", "data", "mime"), CASES)
async def test_an_upload_meta_would_refuse_is_400_before_anything_is_stored(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    name: str,
    data: bytes,
    mime: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE},
        files={"file": (name, data, mime)},
        headers=tenant.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json() == _refusal(name, mime)
    await _nothing_happened(sandbox, tenant)


@pytest.mark.parametrize(("name", "data", "mime"), CASES)
async def test_a_link_meta_would_refuse_is_400(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    name: str,
    data: bytes,
    mime: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        json={"customer_phone": PHONE, "media_url": f"https://cdn.example.com/{name}"},
        headers=tenant.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json() == _refusal(name, mime)
    await _nothing_happened(sandbox, tenant)


@pytest.mark.parametrize(("name", "data", "mime"), CASES)
async def test_the_sandbox_refuses_the_same_files_at_upload_as_meta_does(
    sandbox: SandboxHandle, tenant: Tenant, name: str, data: bytes, mime: str
) -> None:
    # What sending them as they are would meet: Meta's (#100) refusal of the type.
    response = await sandbox.control.post(
        f"/v23.0/{tenant.account.phone_number_id}/media",
        data={"messaging_product": "whatsapp", "type": mime},
        files={"file": (name, data, mime)},
        headers={"Authorization": f"Bearer {tenant.account.access_token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].endswith(f"Received file of type '{mime}'.")


async def test_the_contracts_message_for_other_types_is_unchanged(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.post(
        "/mumbleapi/send-media-message",
        json={"customer_phone": PHONE, "media_url": "https://example.com/a.xyz"},
        headers=tenant.headers,
    )
    assert response.json() == {"error": True, "message": "Unsupported file type: .xyz"}


async def test_the_openapi_document_names_the_accepted_types_and_the_refusal(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/mumbleapi/send-media-message"]["post"]
    assert f"Supported: {ACCEPTED}." in operation["description"]
    assert ".mov and .wav" in operation["description"]
