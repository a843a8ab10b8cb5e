"""Anti-CSRF: a random cookie, and in each rendered form a single-use token
`<issued>.<id>.<mac>`, the HMAC under the portal's secret of the cookie, the time and a
random id. A cross-site form can send the cookie (SameSite keeps most out) but cannot read
it to forge the field; a token expires after `MAX_AGE_S`, and the route spends its id once
(`Intake.claim_token`), so a captured or re-sent form cannot be replayed."""

import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import urlsplit

COOKIE = "portal_csrf"
MAX_AGE_S = 4 * 3600  # a citizen may take a while to write a report
_TOKEN = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{16,64})\.([0-9a-f]{64})")


def new_cookie() -> str:
    return secrets.token_urlsafe(24)


def _mac(secret: bytes, cookie: str, issued: int, token_id: str) -> str:
    message = f"{cookie}.{issued}.{token_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def form_token(secret: bytes, cookie: str, *, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    token_id = secrets.token_urlsafe(18)
    return f"{issued}.{token_id}.{_mac(secret, cookie, issued, token_id)}"


def token_id(
    secret: bytes, cookie: str | None, token: str | None, *, now: float | None = None
) -> tuple[str, int] | None:
    """The id of a genuine, unexpired token for this cookie and when it expires, else None."""
    if not cookie or not token:
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    issued, found_id, mac = int(match[1]), match[2], match[3]
    if not hmac.compare_digest(_mac(secret, cookie, issued, found_id), mac):
        return None
    clock = time.time() if now is None else now
    if not issued - 60 <= clock <= issued + MAX_AGE_S:
        return None
    return found_id, issued + MAX_AGE_S


def same_origin(origin: str | None, referer: str | None, *, allowed: set[str]) -> bool:
    """A post's Origin (else its Referer) is one of ours; a browser that sends neither is
    let through (the token still guards it), "null" (a sandboxed or privacy-stripped
    context) is not."""
    if origin is not None:
        return origin.strip().lower() in allowed
    if referer:
        parts = urlsplit(referer.strip())
        return f"{parts.scheme}://{parts.netloc}".lower() in allowed
    return True
