"""Reading a multipart/form-data body: streamed, capped, one file beside the declared fields.

python-multipart spools file parts to disk without bounding them, so the byte cap sits on the
body stream itself; its own limits bound the number of parts and the size of text fields.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from types import TracebackType

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.types import Message

from mumble.body import declared_length, too_large
from mumble.errors import BadRequest

MAX_FIELDS = 50


@dataclass(frozen=True)
class Form:
    """The declared text fields that were sent, and the file (or None)."""

    fields: dict[str, str]
    file: UploadFile | None


def _capped(request: Request, limit: int) -> Request:
    """The same request whose body stream raises 413 once it passes `limit` bytes."""
    declared_length(request, limit)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(limit)
        return message

    return Request(request.scope, receive)


class FormReader:
    """`async with FormReader(request, limit, ...) as form:` parses the form and later closes it."""

    def __init__(
        self, request: Request, limit: int, *, file_field: str, field_names: Collection[str]
    ) -> None:
        self._request = _capped(request, limit)
        self._file_field = file_field
        self._field_names = frozenset(field_names)
        self._form: FormData | None = None

    async def __aenter__(self) -> Form:
        form = await self._request.form(max_files=1, max_fields=MAX_FIELDS)
        self._form = form
        fields: dict[str, str] = {}
        upload: UploadFile | None = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != self._file_field:
                    raise BadRequest(f"Unexpected file field '{key}' (use '{self._file_field}')")
                upload = value
            elif key in self._field_names:
                fields[key] = value
        return Form(fields, upload)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._form is not None:
            await self._form.close()
