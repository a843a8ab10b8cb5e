"""Open311 GeoReport v2, so existing civic apps (FixMyStreet…) can file and follow reports."""

CHANNEL = "open311"
