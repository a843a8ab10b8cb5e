"""The government's announced changes that the `holidays` package may not know (extra days
off, make-up Saturdays), read from a YAML file and checked row by row."""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from service.calendar.days import DayKind, DayOff
from service.errors import InvalidCalendarFile

SECTIONS: dict[str, DayKind] = {
    "extra_days_off": "extra",
    "make_up_working_days": "make_up_working_day",
}
FIELDS = ("date", "name", "source")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Announcements:
    extra_days_off: tuple[DayOff, ...] = ()
    make_up_working_days: tuple[DayOff, ...] = ()

    def all(self) -> tuple[DayOff, ...]:
        return (*self.extra_days_off, *self.make_up_working_days)


@lru_cache(maxsize=16)
def load_announcements(path: Path) -> Announcements:
    """The file at `path`, read once per path; InvalidCalendarFile names the bad row."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidCalendarFile(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        # BaseLoader keeps every scalar a string, so dates are checked here with a clear message.
        document = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise InvalidCalendarFile(f"{path}: not valid YAML ({exc})") from exc
    return parse_announcements(document, origin=str(path))


def parse_announcements(document: object, *, origin: str) -> Announcements:
    if document is None or document == "":
        return Announcements()
    if not isinstance(document, dict):
        raise InvalidCalendarFile(f"{origin}: expected a mapping with {', '.join(SECTIONS)}")
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise InvalidCalendarFile(
            f"{origin}: unknown section {', '.join(unknown)}; expected {', '.join(SECTIONS)}"
        )
    seen: dict[date, str] = {}
    parsed = {
        section: _section(document.get(section), section, kind, origin, seen)
        for section, kind in SECTIONS.items()
    }
    return Announcements(**parsed)


def _section(
    rows: object, section: str, kind: DayKind, origin: str, seen: dict[date, str]
) -> tuple[DayOff, ...]:
    if rows is None or rows == "":
        return ()
    if not isinstance(rows, list):
        raise InvalidCalendarFile(f"{origin}: {section} must be a list of rows")
    entries = []
    for index, row in enumerate(rows):
        where = f"{origin}: {section}[{index}]"
        entry = _row(row, kind, where)
        if entry.day in seen:
            raise InvalidCalendarFile(
                f"{where}: {entry.day} is listed twice (also at {seen[entry.day]})"
            )
        seen[entry.day] = f"{section}[{index}]"
        entries.append(entry)
    return tuple(entries)


def _row(row: object, kind: DayKind, where: str) -> DayOff:
    if not isinstance(row, dict) or set(row) != set(FIELDS):
        raise InvalidCalendarFile(f"{where}: a row has exactly the keys {', '.join(FIELDS)}")
    values = {key: row[key].strip() if isinstance(row[key], str) else "" for key in FIELDS}
    empty = [key for key in FIELDS if not values[key]]
    if empty:
        raise InvalidCalendarFile(f"{where}: {', '.join(empty)} must be non-empty text")
    day = _date(values["date"], where)
    if not values["source"].startswith(("https://", "http://")):
        raise InvalidCalendarFile(f"{where}: source must be the announcement's URL")
    _check_weekday(day, kind, where)
    return DayOff(day=day, name=values["name"], source=values["source"], kind=kind)


def _date(text: str, where: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError("not YYYY-MM-DD")
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidCalendarFile(f"{where}: bad date {text!r} ({exc})") from exc


def _check_weekday(day: date, kind: DayKind, where: str) -> None:
    weekend = day.weekday() >= 5
    if kind == "make_up_working_day" and not weekend:
        raise InvalidCalendarFile(
            f"{where}: a make-up working day is a Saturday or Sunday; {day} is a {day:%A}"
        )
    if kind == "extra" and weekend:
        raise InvalidCalendarFile(
            f"{where}: an extra day off on a weekend changes nothing; {day} is a {day:%A}"
        )
