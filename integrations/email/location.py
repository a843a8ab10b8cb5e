"""Coordinates written in a message: map links and plain "lat, lon" pairs."""

import re

# Google/Apple/OSM map links: @lat,lon  q=lat,lon  ll=lat,lon  mlat=..&mlon=..
_LINK_PATTERNS = (
    re.compile(r"@(-?\d{1,2}\.\d{3,}),\s*(-?\d{1,3}\.\d{3,})"),
    re.compile(r"[?&](?:q|ll|query|daddr|center)=(-?\d{1,2}\.\d{3,}),\s*(-?\d{1,3}\.\d{3,})"),
    re.compile(r"mlat=(-?\d{1,2}\.\d{3,})&(?:amp;)?mlon=(-?\d{1,3}\.\d{3,})"),
    re.compile(r"geo:(-?\d{1,2}\.\d{3,}),(-?\d{1,3}\.\d{3,})"),
)
# "16.4637, 107.5909" or "16.4637 107.5909" (at least 3 decimals: not a price or a date)
_PAIR = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,})\s*[,;/ ]\s*(-?\d{1,3}\.\d{3,})(?![\d.])")
# Thừa Thiên Huế and around it: a pair far outside is more likely two unrelated numbers.
_REGION = (15.5, 17.0, 106.8, 108.5)


def find_coordinates(text: str) -> tuple[float, float] | None:
    """The first plausible (lat, lon) in the text, map links first; None if there is none."""
    for pattern in (*_LINK_PATTERNS, _PAIR):
        for match in pattern.finditer(text):
            lat, lon = float(match.group(1)), float(match.group(2))
            if _plausible(lat, lon):
                return lat, lon
    return None


def _plausible(lat: float, lon: float) -> bool:
    south, north, west, east = _REGION
    return south <= lat <= north and west <= lon <= east
