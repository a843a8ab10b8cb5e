"""Deadlines in working days on the Vietnamese working calendar, counted in local time."""

from dataclasses import replace
from datetime import datetime

from service.calendar import default_calendar


def add_working_days(start: datetime, days: int, *, tz: str) -> datetime:
    """The same local time of day, `days` working days after `start` (weekends, public
    holidays and data/calendar.yaml's announcements; see WorkingCalendar.add_working_days)."""
    return replace(default_calendar(), timezone=tz).add_working_days(start, days)
