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


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# Where RFC 6052 puts the IPv4 address under a prefix of each length that fits in the local-use
# /48 (bits 64-71 are skipped): the translator's operator picks the length, we cannot know it.
_RFC6052_LENGTHS = (96, 64, 56, 48)


def _rfc6052_ipv4(address: ipaddress.IPv6Address, prefix_length: int) -> ipaddress.IPv4Address:
    value = int(address)
    without_u = ((value >> 64) << 56) | (value & ((1 << 56) - 1))  # drop bits 64-71
    start = prefix_length if prefix_length <= 64 else prefix_length - 8
    return ipaddress.IPv4Address((without_u >> (120 - start - 32)) & 0xFFFFFFFF)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a relay or translator would reach for `address` ([] for none).

    6to4 (2002::/16), NAT64 (64:ff9b::/96; 64:ff9b:1::/48 under every layout it allows),
    Teredo (2001::/32: server and client, the client's bits XOR ffffffff), IPv4-mapped
    (::ffff:0:0/96) and IPv4-compatible (::/96 but :: and ::1) addresses carry one.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        server, client = address.teredo
        return [client, server]
    if address in _NAT64:
        return [_rfc6052_ipv4(address, 96)]
    if address in _NAT64_LOCAL:
        return [_rfc6052_ipv4(address, length) for length in _RFC6052_LENGTHS]
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def _is_public(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def _judged(address: IPAddress) -> list[IPAddress]:
    """The addresses that decide for `address`: the IPv4 ones it embeds, else itself."""
    return list(embedded_ipv4(address)) or [address]


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address; an IPv6 address that embeds IPv4 ones
    (6to4, NAT64, Teredo, IPv4-mapped or -compatible) is public when all of them are."""
    return all(_is_public(judged) for judged in _judged(address))


def _address_allowed(address: IPAddress, allow_private: bool) -> bool:
    if is_public_address(address):
        return True
    # Even with private addresses allowed, multicast and 0.0.0.0 / :: are never a web server.
    return allow_private and not any(
        judged.is_multicast or judged.is_unspecified for judged in _judged(address)
    )


def _refused(address: IPAddress) -> str:
    embedded = [str(v4) for v4 in embedded_ipv4(address) if not _is_public(v4)]
    shown = f"{address} = {' or '.join(embedded)}" if embedded else str(address)
    return f"URL points to a private or reserved address ({shown})"


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
            raise UnsafeUrl(_refused(address))
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
