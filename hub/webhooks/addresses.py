"""Where a webhook may go: public addresses only, unless the operator allows private ones.

A target URL's host is resolved and every address it resolves to must be public (not
loopback, private, link-local, multicast, reserved or unspecified): checked when an owner
registers it and again at each delivery, and the POST then connects to the address that was
checked (the Host header and TLS name stay the URL's), so a name that resolves to a public
address at the check and a private one a moment later (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from hub.errors import HubError

MAX_URL = 2000
TTL = 30.0  # seconds a host's resolution is reused
_resolved: dict[tuple[str, int], tuple[float, list[str]]] = {}


class Refused(HubError):
    """The URL is malformed or its host is not a public address (`code` says which)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: the address to connect to, and the name the request carries."""

    url: str  # the URL with its host replaced by `address`
    host: str  # the URL's host and port as written: the Host header
    server_name: str  # the URL's host name: TLS's server name and certificate check
    address: str


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; Refused `bad_url` otherwise."""
    if len(url) > MAX_URL:
        raise Refused("bad_url", f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("bad_url", "the URL cannot be read") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("bad_url", "the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise Refused("bad_url", "the URL must not carry a user name or password")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def _addresses(host: str, port: int) -> list[str]:
    """The host's addresses: itself when it is one; else resolved, and kept for `TTL`
    seconds (each POST still goes to an address that passed the check)."""
    with contextlib.suppress(ValueError):
        return [str(ipaddress.ip_address(host))]
    key = (host, port)
    cached = _resolved.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise Refused("unresolvable", f"{host} does not resolve") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused("unresolvable", f"{host} does not resolve")
    if len(_resolved) > 10_000:
        _resolved.clear()
    _resolved[key] = (time.monotonic() + TTL, addresses)
    return addresses


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(url: str, allow_private: bool) -> Target:
    """Resolve the URL's host; Refused `address_refused` when an address is not public."""
    _scheme, host, port = check_url(url)
    addresses = await _addresses(host, port)
    if not allow_private and not all(public(a) for a in addresses):
        raise Refused("address_refused", f"{host} is a loopback, private or reserved address")
    address = addresses[0]
    shown = f"[{address}]" if ":" in address else address
    parts = urlsplit(url)
    netloc = f"{shown}:{port}"
    return Target(parts._replace(netloc=netloc).geturl(), parts.netloc, host, address)
