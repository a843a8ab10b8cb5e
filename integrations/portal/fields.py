"""Numbers and points from form fields and query strings: a value, or None / 0 for
anything unreadable (never an exception)."""

import math

from service.inputs import ascii_digits


def as_int(value: str | None) -> int:
    """A small whole number (a zoom level): 0 when absent or unreadable."""
    number = ascii_digits((value or "").strip().removeprefix("-"), max_len=6)
    if number is None:
        return 0
    return -number if (value or "").strip().startswith("-") else number


def as_float(value: str | None) -> float | None:
    if value is None or value == "" or len(value) > 40 or not value.isascii():
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def as_point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
