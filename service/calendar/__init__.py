"""The Vietnamese working calendar: weekends, public holidays (lunar ones too), make-up days."""

from service.calendar.announcements import Announcements, load_announcements
from service.calendar.days import STATUTORY_YEARS, DayKind, DayOff
from service.calendar.working import (
    CALENDAR_FILE,
    LOCAL_TIMEZONE,
    WorkingCalendar,
    default_calendar,
)

__all__ = [
    "CALENDAR_FILE",
    "LOCAL_TIMEZONE",
    "STATUTORY_YEARS",
    "Announcements",
    "DayKind",
    "DayOff",
    "WorkingCalendar",
    "default_calendar",
    "load_announcements",
]
