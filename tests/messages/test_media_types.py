"""Pure checks behind send-media-message: extensions, magic bytes, WhatsApp's size limits."""

from __future__ import annotations

import pytest

from mumble.errors import BadRequest
from mumble.messages.media_types import (
    MEDIA_TYPES,
    REFERENCE_EXTENSIONS,
    check_upload,
    content_family,
    extension_of,
    media_type_for,
    size_limit,
)


def test_the_reference_lists_19_extensions_of_which_meta_takes_17() -> None:
    assert len(REFERENCE_EXTENSIONS) == 19
    assert set(REFERENCE_EXTENSIONS) - set(MEDIA_TYPES) == {"mov", "wav"}


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        ("photo.JPG", "jpg"),
        ("https://x.example/a/b.pdf?download=1#top", "pdf"),
        ("https://x.example/download", None),
        ("https://x.example/a%20b.docx", "docx"),
        (".hidden", None),
        ("archive.tar.gz", "gz"),
        (None, None),
    ],
)
def test_extension_of(name: str | None, ext: str | None) -> None:
    assert extension_of(name) == ext


def test_media_type_uses_the_first_name_with_an_extension() -> None:
    assert media_type_for("https://x.example/download", "r.pdf").kind == "document"
    with pytest.raises(BadRequest, match=r"Unsupported file type: \.exe"):
        media_type_for("https://x.example/setup.exe", "r.pdf")
    with pytest.raises(BadRequest, match="Cannot tell the file type"):
        media_type_for("https://x.example/download", None)


@pytest.mark.parametrize(
    ("head", "family"),
    [
        (b"\xff\xd8\xff\xe0....", "jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"\x00\x00\x00\x18ftypmp42", "isobmff"),
        (b"OggS\x00\x02", "ogg"),
        (b"ID3\x04\x00", "mp3"),
        (b"\xff\xfb\x90\x00", "mp3"),
        (b"%PDF-1.7", "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
        (b"PK\x03\x04", "zip"),
        ("plain text, שלום".encode(), "text"),
        (b"MZ\x90\x00\x03\x00", None),
    ],
)
def test_content_family(head: bytes, family: str | None) -> None:
    assert content_family(head) == family


def test_check_upload_limits_and_content() -> None:
    png = MEDIA_TYPES["png"]
    check_upload(png, b"\x89PNG\r\n\x1a\n", 1000)
    with pytest.raises(BadRequest, match="at most 5120 KB"):
        check_upload(png, b"\x89PNG\r\n\x1a\n", size_limit("image") + 1)
    with pytest.raises(BadRequest, match="does not match"):
        check_upload(png, b"%PDF-1.7", 1000)
    with pytest.raises(BadRequest, match="empty"):
        check_upload(png, b"", 0)
