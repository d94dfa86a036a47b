"""Sandbox media follows Meta's media table: accepted types and sizes, Meta's refusals."""

from __future__ import annotations

import base64

import httpx
import pytest

import templates_meta
from mumble.settings import GRAPH_VERSION
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID, Received

HEADERS = {"Authorization": "Bearer EAAtoken"}
BOOK = templates_meta.load()


async def _upload(sandbox: SandboxHandle, mime: str, data: bytes = b"file") -> httpx.Response:
    return await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/media",
        data={"messaging_product": "whatsapp", "type": mime},
        files={"file": ("f", data, mime)},
        headers=HEADERS,
    )


@pytest.mark.parametrize("mime", [f.mime_type for f in BOOK.media_formats])
async def test_every_type_in_the_media_table_uploads(sandbox: SandboxHandle, mime: str) -> None:
    response = await _upload(sandbox, mime)

    assert response.status_code == 200
    info = await sandbox.control.get(f"/{GRAPH_VERSION}/{response.json()['id']}", headers=HEADERS)
    assert info.json()["mime_type"] == mime


@pytest.mark.parametrize(
    "mime", ["image/gif", "video/quicktime", "audio/wav", "text/html", "application/zip"]
)
async def test_types_meta_refuses_at_upload_are_refused_with_metas_error(
    sandbox: SandboxHandle, mime: str
) -> None:
    response = await _upload(sandbox, mime)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert error["message"].startswith(
        "(#100) Param file must be a file with one of the following types: "
    )
    assert error["message"].endswith(f"Received file of type '{mime}'.")
    assert all(f.mime_type in error["message"] for f in BOOK.media_formats)


async def test_a_file_over_its_kinds_limit_is_131053(sandbox: SandboxHandle) -> None:
    limit = BOOK.media_max_bytes("sticker")

    at_limit = await _upload(sandbox, "image/webp", b"x" * limit)
    over = await _upload(sandbox, "image/webp", b"x" * (limit + 1))

    assert at_limit.status_code == 200
    assert over.status_code == 400
    assert over.json()["error"]["code"] == 131053


@pytest.mark.parametrize("kind", sorted(BOOK.media))
async def test_inbound_media_defaults_to_a_type_from_the_media_table(
    sandbox: SandboxHandle, received: Received, kind: str
) -> None:
    await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": "16505551234", "type": kind},
    )

    [message] = received.bodies[0]["entry"][0]["changes"][0]["value"]["messages"]
    media_format = BOOK.media_format(message[kind]["mime_type"])
    assert media_format is not None
    assert media_format.kind == kind


async def test_an_inbound_voice_note_is_ogg_opus(
    sandbox: SandboxHandle, received: Received
) -> None:
    content = base64.b64encode(b"voice").decode()
    voice = await sandbox.control.post(
        "/_sandbox/inbound",
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "type": "audio",
            "voice": True,
            "content": content,
        },
    )

    [message] = voice.json()["envelope"]["entry"][0]["changes"][0]["value"]["messages"]
    assert message["audio"]["mime_type"] == "audio/ogg; codecs=opus"
    assert message["audio"]["voice"] is True


async def test_a_resumable_upload_of_a_type_meta_refuses_is_refused(
    sandbox: SandboxHandle,
) -> None:
    refused = await sandbox.control.post(
        f"/{GRAPH_VERSION}/sandbox-app/uploads",
        params={"file_name": "a.gif", "file_length": 3, "file_type": "image/gif"},
        headers=HEADERS,
    )
    accepted = await sandbox.control.post(
        f"/{GRAPH_VERSION}/sandbox-app/uploads",
        params={"file_name": "a.png", "file_length": 3, "file_type": "image/png"},
        headers=HEADERS,
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 100
    assert accepted.json()["id"].startswith("upload:")
