"""Deadlines in working days (Monday to Friday), counted in local time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def add_working_days(start: datetime, days: int, *, tz: str) -> datetime:
    """The same local time of day, `days` working days after `start`."""
    local = start.astimezone(ZoneInfo(tz))
    remaining = days
    while remaining > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            remaining -= 1
    return local.astimezone(start.tzinfo)
