"""The client's address and scheme behind reverse proxies, believing only the configured ones.

X-Forwarded-For is a list that every proxy extends on the right with the address it was connected
from (nginx `$proxy_add_x_forwarded_for`); whatever stands further left came from the client and
may be forged. So, as aiohttp-remotes' XForwardedStrict does, the header is read only when the
direct peer is a trusted proxy ([web] trusted_proxies, addresses or networks), and then walked from
the right, skipping trusted proxies: the first address that is not one is the client. The
left-most entry is never believed unless every hop to its right is a trusted proxy. An entry that
is not an address stops the walk at the last hop a trusted proxy vouched for.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from aiohttp import web

from rathaus.errors import RathausError
from apps.web.keys import SETTINGS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=32)
def proxy_networks(entries: tuple[str, ...], key: str = "trusted_proxies") -> tuple[Network, ...]:
    """Configured addresses ([web] `key`) as networks; a typo is an error at start, never a
    silently open door."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise RathausError(f"[web] {key}: '{entry}' is not an IP address or network") from None
    return tuple(networks)


def parse_address(text: str | None) -> Address | None:
    """An address as proxies write it: bare, "[v6]:port", "v4:port"; IPv4-mapped IPv6 unwrapped."""
    if not text:
        return None
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4 with a port; a bare v6 has two or more colons
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def is_trusted(addr: Address | None, networks: tuple[Network, ...]) -> bool:
    return addr is not None and any(addr.version == n.version and addr in n for n in networks)


def forwarded_client(peer: str | None, forwarded_for: list[str], trusted: tuple[str, ...]) -> str | None:
    """The client's address from the direct peer and the X-Forwarded-For header values."""
    networks = proxy_networks(trusted)
    peer_addr = parse_address(peer)
    if not is_trusted(peer_addr, networks):
        return str(peer_addr) if peer_addr else peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    client = peer_addr
    for hop in reversed(hops):
        addr = parse_address(hop)
        if addr is None:
            break
        client = addr
        if not is_trusted(addr, networks):
            break
    return str(client)


def client_ip(request: web.Request) -> str | None:
    """The address the login limit and the audit log record for this request."""
    trusted = tuple(request.app[SETTINGS].trusted_proxies)
    return forwarded_client(request.remote, request.headers.getall("X-Forwarded-For", []), trusted)


def is_https(request: web.Request) -> bool:
    """https directly, or a trusted proxy says the client used https."""
    if request.secure:
        return True
    networks = proxy_networks(tuple(request.app[SETTINGS].trusted_proxies))
    if not is_trusted(parse_address(request.remote), networks):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "")
    return proto.split(",")[-1].strip().lower() == "https"  # the proxy next to us appended last


def cookie_secure(request: web.Request) -> bool:
    mode = request.app[SETTINGS].secure_cookies
    if mode == "always":
        return True
    if mode == "never":
        return False
    return is_https(request)
