"""Helpers of the template tests: a loopback media server, creating and approving templates."""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble.models import Template
from tests.api import get, ok, post
from tests.conftest import SandboxHandle, Tenant
from tests.live import serve

PHONE = "972501234567"


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
FILES: dict[str, tuple[bytes, str]] = {
    "/banner.jpg": (tiny_png(), "image/png"),
    "/order-banner.jpg": (tiny_png(), "image/png"),
    "/banner.png": (tiny_png(), "image/png"),
    "/invoice.pdf": (TINY_PDF, "application/pdf"),
    "/clip.mp4": (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"),
    "/page.html": (b"<html>not an image</html>", "text/html"),
    "/huge.png": (b"\x89PNG" + b"\x00" * (5 * 1024 * 1024 + 1), "image/png"),
    "/empty.png": (b"", "image/png"),
}


@contextlib.asynccontextmanager
async def media_server() -> AsyncIterator[str]:
    """Serves FILES on loopback; yields its base URL (unknown paths are 404)."""

    async def handler(request: Request) -> Response:
        found = FILES.get(request.url.path)
        if found is None:
            return Response(b"missing", status_code=404)
        data, mime = found
        return Response(data, media_type=mime)

    app = Starlette(routes=[Route("/{path:path}", handler)])
    async with serve(app) as url:
        yield url


async def create(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(client, tenant, "create-template", fields)


async def list_templates(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    templates: list[dict[str, Any]] = ok(await get(client, tenant, "get-templates"))["templates"]
    return templates


async def shown(client: httpx.AsyncClient, tenant: Tenant, template_id: str) -> dict[str, Any]:
    """The template as get-templates shows it."""
    templates = await list_templates(client, tenant)
    return next(t for t in templates if t["id"] == template_id)


async def set_status(
    sandbox: SandboxHandle, meta_id: str, status: str, **extra: Any
) -> dict[str, Any]:
    """Meta changes the template's status; the sandbox delivers the signed webhook."""
    response = await sandbox.control.post(
        f"/_sandbox/templates/{meta_id}/status", json={"status": status, **extra}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def review(sandbox: SandboxHandle, meta_id: str) -> dict[str, Any]:
    """Meta reviews the template by the rulebook now (APPROVED or REJECTED + webhook)."""
    response = await sandbox.control.post(f"/_sandbox/templates/{meta_id}/review")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def approved_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, **fields: Any
) -> dict[str, Any]:
    """Create through the API, approve in the sandbox; the template as get-templates shows it."""
    spec = {"language": "en_US", "category": "UTILITY", **fields}
    response = await create(client, tenant, **spec)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    result = await review(sandbox, data["meta_id"])
    assert result["status"] == "APPROVED", result
    assert result["delivery"] == 200, result
    template = await shown(client, tenant, data["id"])
    assert template["status"] == "APPROVED"
    return template


async def stored(template_id: str) -> Template:
    return await Template.get(id=template_id)


async def meta_requests(sandbox: SandboxHandle, path_part: str) -> list[dict[str, Any]]:
    """Graph requests the sandbox received whose path contains `path_part`."""
    response = await sandbox.control.get("/_sandbox/requests")
    return [r for r in response.json()["data"] if path_part in str(r.get("path", ""))]


# The reference's create-template examples, word for word (media_url points at a loopback server).
REFERENCE_EXAMPLES: list[dict[str, Any]] = [
    {
        "name": "welcome_message",
        "language": "en_US",
        "category": "MARKETING",
        "body": "Welcome to our store! We're glad to have you.",
    },
    {
        "name": "order_update",
        "language": "en_US",
        "category": "UTILITY",
        "body": "Hi {{1}}! Your order {{2}} will arrive on {{3}}.",
        "body_examples": ["John", "#12345", "Jan 30"],
    },
    {
        "name": "summer_sale",
        "language": "en_US",
        "category": "MARKETING",
        "header": {"format": "IMAGE"},
        "body": "Summer Sale! Get {{1}} off.",
        "body_examples": ["25%"],
        "media_url": "/banner.jpg",
    },
    {
        "name": "invoice",
        "language": "en_US",
        "category": "UTILITY",
        "header": {"format": "DOCUMENT"},
        "body": "Hi {{1}}, your invoice {{2}} is attached.",
        "body_examples": ["Customer", "INV-001"],
        "media_url": "/invoice.pdf",
    },
    {
        "name": "order_received",
        "language": "en_US",
        "category": "UTILITY",
        "body": "We received your order {{1}}. Confirm?",
        "body_examples": ["#12345"],
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Yes, Confirmed"},
            {"type": "QUICK_REPLY", "text": "No, Cancel"},
        ],
    },
    {
        "name": "customer_support",
        "language": "en_US",
        "category": "UTILITY",
        "body": "Need help with order {{1}}? Call us!",
        "body_examples": ["#12345"],
        "buttons": [
            {"type": "PHONE_NUMBER", "text": "Call Support", "phone_number": "+972501234567"}
        ],
    },
    {
        "name": "order_complete",
        "language": "en_US",
        "category": "UTILITY",
        "header": {"format": "IMAGE"},
        "body": "Hi {{1}}! Order {{2}} confirmed. Total: {{3}}. Delivery: {{4}}.",
        "body_examples": ["John", "#12345", "$99.99", "Jan 30"],
        "footer": "Thank you for your purchase!",
        "buttons": [{"type": "QUICK_REPLY", "text": "Contact Support"}],
        "media_url": "/order-banner.jpg",
    },
    {
        "name": "order_confirmation",
        "language": "en_US",
        "category": "MARKETING",
        "header": {"format": "IMAGE"},
        "body": "Hi {{1}}! Your order {{2}} has been confirmed. Total: {{3}}.",
        "body_examples": ["John Doe", "#12345", "$99.99"],
        "footer": "Thank you for shopping!",
        "buttons": [
            {
                "type": "URL",
                "text": "Track Order",
                "url": "https://example.com/track/{{1}}",
                "example": "order-12345",
            }
        ],
        "media_url": "/banner.jpg",
    },
]
