"""The URL guard: what it refuses, and fetching through it from a real loopback server."""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mumble.urlguard import UnsafeUrl, check_url, fetch_public, is_public_address
from tests.live import serve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8080/",
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://localhost/",
        "http://localhost:9000/x",
    ],
)
async def test_private_loopback_and_link_local_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl, match="private or reserved address"):
        await check_url(url, allow_private=False)


# IPv6 forms that carry an IPv4 address, which a relay or translator would reach: each is judged
# by that IPv4 address (6to4 2002::/16, NAT64 64:ff9b::/96 and local-use 64:ff9b:1::/48,
# Teredo 2001::/32 whose client is the last 32 bits XOR ffffffff, IPv4-mapped and -compatible).
EMBEDDED_PRIVATE = [
    ("2002:7f00:1::", "127.0.0.1"),
    ("2002:a00:1::", "10.0.0.1"),
    ("2002:a9fe:a9fe::1", "169.254.169.254"),
    ("2002:c0a8:101::", "192.168.1.1"),
    ("64:ff9b::7f00:1", "127.0.0.1"),
    ("64:ff9b::a00:1", "10.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
    ("64:ff9b:1::a00:1", "10.0.0.1"),
    ("64:ff9b:1:a00:0:100::", "10.0.0.1"),
    ("64:ff9b:1:a:0:1::", "10.0.0.1"),
    ("64:ff9b:1:0:a:0:100:0", "10.0.0.1"),
    # Read as /96 it is 8.8.8.8, as /64 0.0.0.8: a local-use prefix's layout is unknown.
    ("64:ff9b:1::808:808", "0.0.0.8"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"),
    ("2001:0:808:808:0:0:f5ff:fffe", "10.0.0.1"),
    ("::ffff:a00:1", "10.0.0.1"),
    ("::ffff:7f00:1", "127.0.0.1"),
    ("::a00:1", "10.0.0.1"),
    ("::7f00:1", "127.0.0.1"),
    ("::a9fe:a9fe", "169.254.169.254"),
]
EMBEDDED_PUBLIC = [
    "2002:808:808::",
    "2002:5db8:d70e::1",
    "64:ff9b::808:808",
    "2001:0:808:808:0:0:f7f7:f7f7",
    "::ffff:808:808",
    "::808:808",
]


@pytest.mark.parametrize(("address", "ipv4"), EMBEDDED_PRIVATE)
async def test_ipv6_forms_of_a_private_ipv4_address_are_refused(address: str, ipv4: str) -> None:
    with pytest.raises(UnsafeUrl, match="private or reserved address") as refused:
        await check_url(f"http://[{address}]/hook", allow_private=False)
    assert ipv4 in str(refused.value)
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", EMBEDDED_PUBLIC)
async def test_ipv6_forms_of_a_public_ipv4_address_are_judged_by_it(address: str) -> None:
    await check_url(f"http://[{address}]/hook", allow_private=False)
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["2002::", "2002:e000:1::", "64:ff9b::", "64:ff9b::e000:1", "::ffff:0:0"]
)
async def test_embedded_unspecified_or_multicast_is_refused_even_with_private_allowed(
    address: str,
) -> None:
    with pytest.raises(UnsafeUrl, match="private or reserved address"):
        await check_url(f"http://[{address}]/hook", allow_private=True)


async def test_ipv6_loopback_stays_allowed_with_private_allowed() -> None:
    await check_url("http://[::1]:9/x", allow_private=True)
    await check_url("http://[2002:7f00:1::]:9/x", allow_private=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("gopher://127.0.0.1/", "must start with http:// or https://"),
        ("example.com/hook", "must start with http:// or https://"),
        ("http:///nohost", "must name a host"),
        ("http://user:pw@example.com/", "must not contain credentials"),
        ("", "URL is required"),
        ("http://name.invalid/", "Cannot resolve host"),
    ],
)
async def test_non_http_and_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        await check_url(url, allow_private=True)


async def test_public_literal_address_passes_without_dns() -> None:
    await check_url("https://93.184.215.14/hook", allow_private=False)
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))
    assert not is_public_address(ipaddress.ip_address("::ffff:10.0.0.1"))


async def test_loopback_is_allowed_when_private_urls_are_allowed() -> None:
    await check_url("http://127.0.0.1:9/x", allow_private=True)
    await check_url("http://localhost:9/x", allow_private=True)


def _fetch_app() -> Starlette:
    async def file(request: Request) -> Response:
        return Response(b"x" * 1000, media_type="image/png; charset=binary")

    async def hop(request: Request) -> Response:
        return RedirectResponse("/file", status_code=302)

    async def loop(request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    async def to_file_scheme(request: Request) -> Response:
        return RedirectResponse("file:///etc/passwd", status_code=302)

    async def missing(request: Request) -> Response:
        return Response(b"nope", status_code=404)

    async def host(request: Request) -> Response:
        return Response(request.headers["host"].encode(), media_type="text/plain")

    return Starlette(
        routes=[
            Route("/file", file),
            Route("/hop", hop),
            Route("/loop", loop),
            Route("/scheme", to_file_scheme),
            Route("/missing", missing),
            Route("/host", host),
        ]
    )


async def test_fetch_public_follows_checked_redirects_and_caps_size() -> None:
    async with serve(_fetch_app()) as base, aiohttp.ClientSession() as session:
        body, content_type = await fetch_public(
            session, base + "/hop", allow_private=True, max_bytes=5000
        )
        assert (len(body), content_type) == (1000, "image/png")
        with pytest.raises(UnsafeUrl, match="larger than 999 bytes"):
            await fetch_public(session, base + "/file", allow_private=True, max_bytes=999)
        with pytest.raises(UnsafeUrl, match="Too many redirects"):
            await fetch_public(session, base + "/loop", allow_private=True, max_bytes=5000)
        with pytest.raises(UnsafeUrl, match="must start with http"):
            await fetch_public(session, base + "/scheme", allow_private=True, max_bytes=5000)
        with pytest.raises(UnsafeUrl, match="HTTP 404"):
            await fetch_public(session, base + "/missing", allow_private=True, max_bytes=5000)


async def test_fetch_public_keeps_the_original_host_header_while_pinning_the_address() -> None:
    async with serve(_fetch_app()) as base, aiohttp.ClientSession() as session:
        port = base.rsplit(":", 1)[1]
        body, _ = await fetch_public(
            session, f"http://localhost:{port}/host", allow_private=True, max_bytes=100
        )
        assert body == f"localhost:{port}".encode()


async def test_fetch_public_refuses_loopback_before_connecting() -> None:
    async with serve(_fetch_app()) as base, aiohttp.ClientSession() as session:
        with pytest.raises(UnsafeUrl, match="private or reserved address"):
            await fetch_public(session, base + "/file", allow_private=False, max_bytes=5000)
        port = base.rsplit(":", 1)[1]
        with pytest.raises(UnsafeUrl, match="private or reserved address"):
            await fetch_public(
                session, f"http://localhost:{port}/file", allow_private=False, max_bytes=5000
            )


TLS_DIR = Path(__file__).parent / "webhooks"


@contextlib.asynccontextmanager
async def _https_server() -> AsyncIterator[int]:
    """An HTTPS server on 127.0.0.1 whose (test-only, self-signed) certificate names localhost."""

    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=request.host.encode(), content_type="text/plain")

    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(TLS_DIR / "tls-localhost.pem", TLS_DIR / "tls-localhost.key")
    app = web.Application()
    app.router.add_get("/hello", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def test_https_is_pinned_to_the_checked_address_and_still_verifies_the_certificate() -> None:
    client_ctx = ssl.create_default_context(cafile=str(TLS_DIR / "tls-localhost.pem"))
    async with (
        _https_server() as port,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=client_ctx)) as session,
    ):
        # Connected to 127.0.0.1, but TLS is checked against (and Host names) "localhost".
        body, content_type = await fetch_public(
            session, f"https://localhost:{port}/hello", allow_private=True, max_bytes=100
        )
        assert (body, content_type) == (f"localhost:{port}".encode(), "text/plain")
        # The certificate does not name 127.0.0.1: verification really happens.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await fetch_public(
                session, f"https://127.0.0.1:{port}/hello", allow_private=True, max_bytes=100
            )
