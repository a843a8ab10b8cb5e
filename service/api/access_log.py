"""Keep coordinates out of the logs: uvicorn's access log prints each request's path with
its query string, and the portal's "use my location" and map links carry the citizen's
point there (plat/plon, mlat/mlon, …). A filter on the access logger replaces their values."""

import logging
import re

COORDINATE_PARAMS = frozenset(
    {
        "lat", "lon", "long", "lng", "plat", "plon", "clat", "clon", "mlat", "mlon",
        "acc", "accuracy_m", "map.x", "map.y", "near", "bbox",
    }
)  # fmt: skip
REDACTED = "redacted"
ACCESS_LOGGERS = ("uvicorn.access",)
_PAIR = re.compile(r"(?P<sep>[?&;])(?P<key>[^=&;#]+)=(?P<value>[^&;#]*)")


def redact_query(text: str) -> str:
    if "?" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        key = m["key"]
        name = key.lower().replace("%2e", ".")
        if name in COORDINATE_PARAMS:
            return f"{m['sep']}{key}={REDACTED}"
        return m[0]

    path, _, query = text.partition("?")
    return path + _PAIR.sub(repl, "?" + query)


class RedactCoordinates(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        return True


def install() -> None:
    """Once per process (create_app may run many times)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCoordinates) for f in logger.filters):
            logger.addFilter(RedactCoordinates())
