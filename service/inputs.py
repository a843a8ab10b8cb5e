"""Shared rules for input documents: no NUL characters (PostgreSQL text and jsonb cannot
hold them), unknown fields refused, and timestamps with a real-world UTC offset."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, field_validator


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


def without_nul(value: Any) -> Any:
    """The same value with NUL characters removed from every string in it (a safety net
    for text that machines produced, e.g. an e-mail body)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    return value


_MAX_OFFSET = timedelta(hours=14)  # the widest offset in use (Kiribati, UTC+14)


_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CLOCK_SKEW = timedelta(days=1)


def _as_utc(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or abs(offset) > _MAX_OFFSET:
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date is out of range") from None


def _happened(value: datetime) -> datetime:
    if not _EARLIEST <= value <= datetime.now(UTC) + _CLOCK_SKEW:
        raise ValueError("the date must be between 2000-01-01 and now")
    return value


# A moment something happened (a report submitted): a real offset, not in the future.
OffsetDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc), AfterValidator(_happened)]
# A bound of a search: any date Python and PostgreSQL can both hold, as UTC.
QueryDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]


def ascii_digits(value: str | None, *, max_len: int = 18) -> int | None:
    """A non-negative integer written in ASCII digits, else None. str.isdigit() also admits
    "²³" or "٣", which int() refuses or reads (and 4,300+ digits make int() raise)."""
    if not value or len(value) > max_len or not value.isascii() or not value.isdigit():
        return None
    return int(value)
