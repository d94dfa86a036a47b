"""Client addresses: the socket peer, or X-Forwarded-For only when the peer is a trusted proxy.

uvicorn's own proxy handling is off (`proxy_headers=False`): this module is the only place a
forwarded header is believed, and only from the CIDRs of MUMBLE_TRUSTED_PROXIES.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence

from starlette.requests import Request

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A client usually holds a whole IPv6 /64, so the per-IP limit counts the /64, not the address.
_IPV6_RATE_LIMIT_PREFIX = 64


def parse_ip(raw: str) -> IPAddress | None:
    """An address, with IPv4-mapped IPv6 (`::ffff:1.2.3.4`) unwrapped; None when malformed."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def resolve_client_ip(peer: str, forwarded_for: str | None, proxies: Sequence[IPNetwork]) -> str:
    """The client address: walk X-Forwarded-For right to left past trusted proxies only.

    The rightmost untrusted hop is the client; anything left of it is client-controlled and ignored.
    A malformed hop stops the walk at the last address we could trust to have seen it.
    """
    peer_ip = parse_ip(peer)
    if peer_ip is None:
        return peer
    if not forwarded_for or not _within(peer_ip, proxies):
        return str(peer_ip)
    nearest = peer_ip
    for hop in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        hop_ip = parse_ip(hop)
        if hop_ip is None:
            return str(nearest)
        if not _within(hop_ip, proxies):
            return str(hop_ip)
        nearest = hop_ip
    # Every hop was a trusted proxy: the leftmost is the closest we know to the client.
    return str(nearest)


def client_ip(request: Request, proxies: Sequence[IPNetwork]) -> str:
    """The calling client's IP for this request (see `resolve_client_ip`)."""
    peer = request.client.host if request.client else "unknown"
    return resolve_client_ip(peer, request.headers.get("x-forwarded-for"), proxies)


def rate_limit_identity(ip: str) -> str:
    """What the per-IP limit counts: the IPv4 address, or the IPv6 /64 around the address."""
    address = parse_ip(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, _IPV6_RATE_LIMIT_PREFIX), strict=False))
    return str(address) if address is not None else ip


@functools.lru_cache(maxsize=4096)
def parse_allowlist(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Networks from allowlist entries: an address, a CIDR, or a range `first-last`.

    Raises ValueError naming the first entry that is none of these.
    """
    networks: list[IPNetwork] = []
    for entry in entries:
        text = entry.strip()
        try:
            if "-" in text:
                first_raw, last_raw = text.split("-", 1)
                first = ipaddress.ip_address(first_raw.strip())
                last = ipaddress.ip_address(last_raw.strip())
                if first.version != last.version or first > last:  # type: ignore[operator]
                    raise ValueError(text)
                networks.extend(ipaddress.summarize_address_range(first, last))
            else:
                networks.append(ipaddress.ip_network(text, strict=False))
        except (ValueError, TypeError):
            raise ValueError(
                f"Invalid IP allowlist entry: {entry!r} (use an address, a CIDR or a range a-b)"
            ) from None
    return tuple(networks)


def ip_allowed(ip: str, networks: Sequence[IPNetwork]) -> bool:
    """True when there is no allowlist or `ip` falls inside one of its networks."""
    if not networks:
        return True
    address = parse_ip(ip)
    return address is not None and _within(address, networks)
