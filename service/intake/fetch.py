"""Fetch a photo a channel gave by URL, without letting the URL reach where it should not.

Only http(s) URLs on an allow-listed host are fetched (exact host, or any subdomain of an
entry written with a leading dot); redirects are not followed; the body is capped while it
streams; connect and read have timeouts. An allow-list, not a block-list: a hostile URL
cannot point the worker at the metadata service, the database or the LAN.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx


class FetchRefused(Exception):
    """The URL is not allowed or the answer is unusable; retrying will not help."""


class FetchFailed(Exception):
    """A network error or a 5xx; worth retrying later."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    allowed_hosts: tuple[str, ...]
    max_bytes: int
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().strip()
        if entry.startswith(".") and (host.endswith(entry) or host == entry[1:]):
            return True
        if host == entry:
            return True
    return False


def check_url(url: str, policy: FetchPolicy) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"only http(s) photo URLs are fetched, not {parts.scheme or 'none'!r}")
    if parts.username or parts.password:
        raise FetchRefused("photo URLs with credentials are refused")
    if not parts.hostname or not host_allowed(parts.hostname, policy.allowed_hosts):
        raise FetchRefused(f"host {parts.hostname!r} is not on the photo-host allow-list")


def fetch(url: str, policy: FetchPolicy, *, client: httpx.Client | None = None) -> bytes:
    check_url(url, policy)
    timeout = httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s)
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    try:
        with http.stream("GET", url, timeout=timeout) as response:
            if response.is_redirect:
                raise FetchRefused(f"redirect ({response.status_code}) not followed")
            if response.status_code >= 500:
                raise FetchFailed(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchRefused(f"HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchRefused(f"photo larger than {policy.max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchRefused(f"photo larger than {policy.max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            http.close()
