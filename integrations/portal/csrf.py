"""Anti-CSRF: a random cookie, and in the form the HMAC of it under the portal's secret.
A cross-site form can send the cookie (SameSite keeps most out) but cannot read it to forge
the field."""

import hashlib
import hmac
import secrets

COOKIE = "portal_csrf"


def new_cookie() -> str:
    return secrets.token_urlsafe(24)


def form_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, cookie.encode(), hashlib.sha256).hexdigest()


def valid(secret: bytes, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token:
        return False
    return hmac.compare_digest(form_token(secret, cookie), token)
