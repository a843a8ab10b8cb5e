"""The client's address: the TCP peer, unless the peer is one of our proxies
(TRIAGE_TRUSTED_PROXIES), then the nearest X-Forwarded-For hop that is not. Run uvicorn
with --no-proxy-headers so that this, not uvicorn's own rule (trust 127.0.0.1), decides."""

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """IPs or CIDRs; ValueError naming the bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"TRIAGE_TRUSTED_PROXIES: {value!r} is not an IP or CIDR") from None
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    def is_trusted(value: str) -> bool:
        address = _address(value)
        return address is not None and any(address in net for net in trusted)

    if not trusted or not forwarded_for or not is_trusted(peer):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",")]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer  # a hop we cannot read: believe no further than the proxy
        if not is_trusted(hop):
            return hop
    return hops[0]


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, *, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Nothing to do (and nothing scanned) without trusted proxies: the hot path.
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            given = [v for k, v in scope["headers"] if k == b"x-forwarded-for"]
            peer = scope["client"][0]
            if given:
                forwarded = ",".join(v.decode("latin-1") for v in given)
                found = client_address(peer, forwarded, self.trusted)
                if found != peer:
                    scope = {**scope, "client": (found, 0)}
        await self.app(scope, receive, send)
