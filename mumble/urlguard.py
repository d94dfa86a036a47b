"""The guard for every URL the server itself fetches or posts to (SSRF protection).

A URL must be http(s) and its host must resolve only to public addresses (private, loopback,
link-local, multicast, reserved and unspecified ones are refused unless `allow_private`).
Checking the name once and connecting later would let DNS answer differently the second time,
so requests go through `pinned_request`: the host is resolved and checked, then the connection
is made to that checked address (Host header and TLS server name stay the original host).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 5
_SCHEMES = {"http": 80, "https": 443}


class UnsafeUrl(ValueError):
    """The URL is not http(s), is malformed, or points at an address the server must not reach."""


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def _address_allowed(address: IPAddress, allow_private: bool) -> bool:
    if is_public_address(address):
        return True
    # Even with private addresses allowed, multicast and 0.0.0.0 / :: are never a web server.
    return allow_private and not (address.is_multicast or address.is_unspecified)


def is_http_url(raw: str) -> bool:
    """Whether `raw` is an absolute http(s) URL with a host (nothing resolved, nothing fetched)."""
    try:
        parts = urlsplit(raw)
    except ValueError:  # "http://[::1/a.jpg": an unclosed IPv6 bracket
        return False
    return parts.scheme in _SCHEMES and bool(parts.hostname)


def parse_url(url: str) -> URL:
    """The URL as yarl sees it; UnsafeUrl unless it is absolute http(s) with a host."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeUrl("URL is required")
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        # yarl keeps a NUL in the path, and PostgreSQL text cannot store one.
        raise UnsafeUrl("URL must not contain control characters")
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError):
        raise UnsafeUrl("URL is malformed") from None
    if parsed.scheme not in _SCHEMES:
        raise UnsafeUrl("URL must start with http:// or https://")
    if not parsed.raw_host:
        raise UnsafeUrl("URL must name a host")
    if parsed.user is not None or parsed.password is not None:
        raise UnsafeUrl("URL must not contain credentials")
    try:
        port = parsed.port
    except ValueError:
        raise UnsafeUrl("URL has an invalid port") from None
    if port is None or not 0 < port < 65536:
        raise UnsafeUrl("URL has an invalid port")
    return parsed


async def resolve(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """Every address `host` resolves to; UnsafeUrl when any of them is refused or none exists.

    Refusing when *any* answer is unsafe (not just the first) stops a name that mixes a public
    and a private address from being used to reach the private one.
    """
    host = host.strip("[]")
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise UnsafeUrl(f"Cannot resolve host {host}") from None
        addresses = []
        for _family, _type, _proto, _name, sockaddr in infos:
            # Drop an IPv6 zone ("fe80::1%eth0"): the address part decides.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"Cannot resolve host {host}")
    for address in addresses:
        if not _address_allowed(address, allow_private):
            raise UnsafeUrl(f"URL points to a private or reserved address ({address})")
    return addresses


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeUrl unless `url` is http(s) and its host resolves only to allowed addresses."""
    parsed = parse_url(url)
    await resolve(parsed.raw_host or "", parsed.port or 0, allow_private=allow_private)


def _host_header(parsed: URL) -> str:
    host = parsed.raw_host or ""
    if ":" in host:
        host = f"[{host}]"
    if parsed.explicit_port and parsed.explicit_port != _SCHEMES[parsed.scheme]:
        host = f"{host}:{parsed.explicit_port}"
    return host


@contextlib.asynccontextmanager
async def pinned_request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    allow_private: bool,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """One request (no redirects) sent to the address the guard just checked.

    The URL's host is resolved and checked, then the connection goes to the first allowed address
    with the original Host header and TLS server name, so a DNS answer that changes between
    the check and the connect cannot reach a private address.
    """
    parsed = parse_url(url)
    addresses = await resolve(parsed.raw_host or "", parsed.port or 0, allow_private=allow_private)
    target = parsed.with_host(str(addresses[0]))
    if parsed.explicit_port is None:
        target = target.with_port(_SCHEMES[parsed.scheme])
    request_headers = {**(headers or {}), "Host": _host_header(parsed)}
    if parsed.scheme == "https":
        kwargs.setdefault("server_hostname", parsed.raw_host)
    async with session.request(
        method, target, headers=request_headers, allow_redirects=False, **kwargs
    ) as response:
        yield response


async def fetch_public(
    session: aiohttp.ClientSession, url: str, *, allow_private: bool, max_bytes: int
) -> tuple[bytes, str]:
    """GET `url` through the guard: (body, content type).

    Redirects are followed by hand (at most 5), each hop checked like the first; a non-2xx
    answer or a body over `max_bytes` raises UnsafeUrl with a readable reason. Network errors
    propagate as aiohttp.ClientError / TimeoutError.
    """
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        async with pinned_request(session, "GET", current, allow_private=allow_private) as response:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise UnsafeUrl("Redirect without a Location header")
                current = str(URL(current).join(URL(location)))
                continue
            if not 200 <= response.status < 300:
                raise UnsafeUrl(f"URL answered with HTTP {response.status}")
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                raise UnsafeUrl(f"Content is larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise UnsafeUrl(f"Content is larger than {max_bytes} bytes")
            content_type = response.headers.get("Content-Type", "application/octet-stream")
            return bytes(body), content_type.split(";", 1)[0].strip().lower()
    raise UnsafeUrl("Too many redirects")
