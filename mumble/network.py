"""Client addresses: the socket peer, or X-Forwarded-For only when the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(raw: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def resolve_client_ip(peer: str, forwarded_for: str | None, proxies: Sequence[IPNetwork]) -> str:
    """The client address: walk X-Forwarded-For right to left past trusted proxies only.

    The rightmost untrusted hop is the client; anything left of it is client-controlled and ignored.
    """
    peer_ip = _parse(peer)
    if peer_ip is None or not forwarded_for or not _trusted(peer_ip, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_ip = _parse(hop)
        if hop_ip is None:
            return str(peer_ip)
        if not _trusted(hop_ip, proxies):
            return str(hop_ip)
    return str(_parse(hops[0]) or peer_ip) if hops else str(peer_ip)


def client_ip(request: Request, proxies: Sequence[IPNetwork]) -> str:
    """The calling client's IP for this request (see `resolve_client_ip`)."""
    peer = request.client.host if request.client else "unknown"
    return resolve_client_ip(peer, request.headers.get("x-forwarded-for"), proxies)


def ip_allowed(ip: str, networks: Sequence[IPNetwork]) -> bool:
    """True when there is no allowlist or `ip` falls inside one of its networks."""
    if not networks:
        return True
    address = _parse(ip)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)
