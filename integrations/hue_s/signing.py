"""HMAC-SHA256 signatures over `<timestamp>.<raw body>`, both directions.

Headers: `X-HueS-Timestamp` (Unix seconds) and `X-HueS-Signature: sha256=<hex>`. The
timestamp is inside the MAC, so a captured request cannot be replayed with a fresh one,
and one more than `max_skew_s` away from our clock is refused.
"""

import hashlib
import hmac
import re
import time

TIMESTAMP_HEADER = "X-HueS-Timestamp"
SIGNATURE_HEADER = "X-HueS-Signature"
# ASCII digits only: str.isdigit() also admits "²³" and other digits int() cannot read.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class SignatureRejected(Exception):
    """Why a request's signature was refused (shown to the sender)."""


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: bytes, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, body, timestamp)}


def verify(
    secret: bytes,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    max_skew_s: int,
    now: float | None = None,
) -> int:
    """Return the verified timestamp, or raise SignatureRejected."""
    if not timestamp or not signature:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if _UNIX_SECONDS.fullmatch(timestamp) is None:
        raise SignatureRejected(f"{TIMESTAMP_HEADER} must be Unix seconds")
    ts = int(timestamp)
    clock = now if now is not None else time.time()
    if abs(clock - ts) > max_skew_s:
        raise SignatureRejected(
            f"timestamp is {int(clock - ts)} s from our clock (at most {max_skew_s} s allowed)"
        )
    expected = sign(secret, body, ts)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise SignatureRejected("signature does not match the body")
    return ts
