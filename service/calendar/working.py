"""Working days: Monday to Friday, minus Vietnam's public holidays (the `holidays` package)
and the extra days off announced in data/calendar.yaml, plus its make-up Saturdays."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from service.calendar.announcements import Announcements, load_announcements
from service.calendar.days import DayOff, statutory_dates, statutory_days_off
from service.config import PROJECT_ROOT

LOCAL_TIMEZONE = "Asia/Ho_Chi_Minh"
CALENDAR_FILE = PROJECT_ROOT / "data" / "calendar.yaml"


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    announcements: Announcements = field(default_factory=Announcements)
    timezone: str = LOCAL_TIMEZONE
    _announced: MappingProxyType[date, DayOff] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first deadline
        by_day = {entry.day: entry for entry in self.announcements.all()}
        object.__setattr__(self, "_announced", MappingProxyType(by_day))

    def is_working_day(self, day: date) -> bool:
        """An announcement wins over the weekend and over the package's holidays."""
        announced = self._announced.get(day)
        if announced is not None:
            return announced.is_working_day
        return day.weekday() < 5 and day not in statutory_dates(day.year)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local time of day, `days` working days after `start`, in `start`'s zone.

        Counting goes from the local day after `start`, whatever `start` is: from Friday
        10:00 or from Saturday, one working day is Monday (if Monday works). Zero days is
        `start` itself.
        """
        if start.utcoffset() is None:
            raise ValueError(f"start must be timezone-aware, got {start.isoformat()}")
        if days < 0:
            raise ValueError(f"days must be zero or more, got {days}")
        if days == 0:
            return start
        zone = ZoneInfo(self.timezone)
        local = start.astimezone(zone)
        day = local.date()
        for _ in range(days):
            day = self.next_working_day(day)
        return datetime.combine(day, local.time(), tzinfo=zone).astimezone(start.tzinfo)

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def days_off(self, year: int) -> list[DayOff]:
        """The year's days off (weekend holidays too) and make-up working days, by date."""
        by_day = {entry.day: entry for entry in statutory_days_off(year)}
        by_day.update({day: entry for day, entry in self._announced.items() if day.year == year})
        return [by_day[day] for day in sorted(by_day)]


def default_calendar(path: Path | None = None) -> WorkingCalendar:
    """The calendar of data/calendar.yaml (or `path`), in Huế's time zone; the file is read
    once per path and InvalidCalendarFile says what is wrong with it."""
    return WorkingCalendar(load_announcements((path or CALENDAR_FILE).resolve()))
