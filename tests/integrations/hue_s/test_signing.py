"""Property tests of the Hue-S signature check: any header value gives a verified
timestamp or SignatureRejected, never another exception."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.hue_s.signing import SignatureRejected, sign, verify

SECRET = b"s" * 32
NOW = 1_764_000_000


@pytest.mark.parametrize("timestamp", ["²³", "١٧٦٤٠٠٠٠٠٠", "1764000000²", "+1764000000", " 1"])
def test_a_timestamp_of_non_ascii_digits_is_refused_not_a_crash(timestamp: str) -> None:
    with pytest.raises(SignatureRejected, match="Unix seconds"):
        verify(SECRET, b"{}", timestamp=timestamp, signature="sha256=00", max_skew_s=300, now=NOW)


@given(timestamp=st.text(max_size=30), signature=st.text(max_size=80), body=st.binary(max_size=50))
def test_verify_accepts_or_rejects_any_header_values(
    timestamp: str, signature: str, body: bytes
) -> None:
    try:
        ts = verify(SECRET, body, timestamp=timestamp, signature=signature, max_skew_s=300, now=NOW)
    except SignatureRejected:
        return
    assert ts == int(timestamp)


@given(offset=st.integers(-(10**15), 10**15), body=st.binary(max_size=50))
def test_verify_takes_a_good_signature_only_inside_the_window(offset: int, body: bytes) -> None:
    ts = max(0, NOW + offset)
    good = sign(SECRET, body, ts)
    try:
        assert (
            verify(SECRET, body, timestamp=str(ts), signature=good, max_skew_s=300, now=NOW) == ts
        )
    except SignatureRejected:
        assert abs(NOW - ts) > 300 or len(str(ts)) > 12
