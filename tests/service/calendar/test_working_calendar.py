import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from service.calendar import (
    DayOff,
    WorkingCalendar,
    default_calendar,
    load_announcements,
)
from service.errors import InvalidCalendarFile, ServiceError

HUE = timezone(timedelta(hours=7))


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return default_calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # the required example: Tết Bính Ngọ, Mon 16 to Fri 20 Feb 2026 off
        ("2026-02-13T10:00:00+07:00", 7, "2026-03-03T10:00:00+07:00"),
        ("2026-02-13T10:00:00+07:00", 1, "2026-02-23T10:00:00+07:00"),
        # Tết Đinh Mùi: Thu 4 to Wed 10 Feb 2027 off (days in lieu of Sat 6 and Sun 7)
        ("2027-02-03T09:30:00+07:00", 1, "2027-02-11T09:30:00+07:00"),
        ("2027-02-03T09:30:00+07:00", 3, "2027-02-15T09:30:00+07:00"),
        # Hùng Kings on Sunday 26 Apr 2026: Monday 27 off in lieu; then 30 Apr and 1 May
        ("2026-04-24T08:00:00+07:00", 1, "2026-04-28T08:00:00+07:00"),
        ("2026-04-28T08:00:00+07:00", 2, "2026-05-04T08:00:00+07:00"),
        # New Year 2026: Thu 1 and Fri 2 Jan off (the YAML), Saturday 10 Jan worked
        ("2025-12-31T16:00:00+07:00", 1, "2026-01-05T16:00:00+07:00"),
        ("2026-01-09T16:00:00+07:00", 1, "2026-01-10T16:00:00+07:00"),
        # National Day 2026: Mon 31 Aug swapped with Saturday 22 Aug
        ("2026-08-21T10:00:00+07:00", 1, "2026-08-22T10:00:00+07:00"),
        ("2026-08-28T10:00:00+07:00", 1, "2026-09-03T10:00:00+07:00"),
        # 30 Apr 2025: Fri 2 May swapped with Saturday 26 Apr
        ("2025-04-25T10:00:00+07:00", 1, "2025-04-26T10:00:00+07:00"),
        ("2025-04-29T10:00:00+07:00", 1, "2025-05-05T10:00:00+07:00"),
        # ordinary weekends; a start on a weekend counts from the next day
        ("2026-03-06T10:00:00+07:00", 1, "2026-03-09T10:00:00+07:00"),
        ("2026-03-07T10:00:00+07:00", 1, "2026-03-09T10:00:00+07:00"),
        ("2026-03-08T23:59:00+07:00", 5, "2026-03-13T23:59:00+07:00"),
        ("2026-03-06T10:00:00+07:00", 0, "2026-03-06T10:00:00+07:00"),
    ],
)
def test_add_working_days_follows_the_vietnamese_calendar(
    calendar: WorkingCalendar, start: str, days: int, due: str
) -> None:
    result = calendar.add_working_days(at(start), days)
    assert result == at(due)
    assert result.utcoffset() == at(start).utcoffset()


def test_add_working_days_counts_in_local_time_and_answers_in_the_zone_of_start(
    calendar: WorkingCalendar,
) -> None:
    # 18:00 UTC on Friday 13 Feb 2026 is already Saturday 01:00 in Huế.
    due = calendar.add_working_days(datetime(2026, 2, 13, 18, 0, tzinfo=UTC), 1)
    assert due == datetime(2026, 2, 22, 18, 0, tzinfo=UTC)  # Monday 23 Feb 01:00 in Huế
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "days", "message"),
    [
        (datetime(2026, 2, 13, 10, 0), 1, "timezone-aware"),
        (datetime(2026, 2, 13, 10, 0, tzinfo=HUE), -1, "zero or more"),
    ],
)
def test_add_working_days_refuses_bad_arguments(
    calendar: WorkingCalendar, start: datetime, days: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        calendar.add_working_days(start, days)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 16), False),  # Tết eve
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # Hùng Kings in lieu
        (date(2026, 1, 2), False),  # extra day off (YAML)
        (date(2026, 1, 10), True),  # make-up Saturday (YAML)
        (date(2026, 1, 17), False),  # an ordinary Saturday
        (date(2026, 1, 18), False),  # Sunday
        (date(2027, 2, 10), False),  # Tết 2027, in lieu
        (date(2027, 5, 3), False),  # 1 May 2027 on a Saturday: Monday in lieu
        (date(2027, 2, 11), True),
    ],
)
def test_is_working_day(calendar: WorkingCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_days_off_lists_holidays_in_lieu_extra_and_make_up_days(calendar: WorkingCalendar) -> None:
    by_day = {entry.day: entry for entry in calendar.days_off(2026)}
    assert by_day[date(2026, 2, 17)].kind == "holiday"
    assert by_day[date(2026, 2, 17)].source == "holidays"
    assert by_day[date(2026, 4, 27)].kind == "in_lieu"
    assert by_day[date(2026, 1, 2)].kind == "extra"
    assert by_day[date(2026, 1, 2)].source.startswith("https://")
    assert by_day[date(2026, 8, 22)].kind == "make_up_working_day"
    assert by_day[date(2026, 8, 22)].is_working_day
    assert list(by_day) == sorted(by_day)
    assert all(isinstance(entry, DayOff) and entry.day.year == 2026 for entry in by_day.values())


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_every_swap_the_package_knows_has_its_make_up_day(
    calendar: WorkingCalendar, year: int
) -> None:
    """`holidays` names a swapped day off "Ngày nghỉ (thay cho ngày 22/08/2026)" but does not
    make that Saturday a working day: data/calendar.yaml must (a newer package may add some)."""
    for entry in calendar.days_off(year):
        found = re.search(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})", entry.name)
        if found:
            day, month, in_year = (int(part) for part in found.groups())
            assert calendar.is_working_day(date(in_year, month, day)), entry


def test_without_announcements_only_the_package_counts() -> None:
    bare = WorkingCalendar()
    assert bare.is_working_day(date(2026, 1, 2))
    assert not bare.is_working_day(date(2026, 1, 10))
    assert not bare.is_working_day(date(2026, 2, 16))


def test_default_calendar_reads_each_file_once(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(MAKE_UP_ROW)
    first = default_calendar(path)
    path.write_text("extra_days_off: [nope]\n")
    assert default_calendar(path) == first
    assert first.is_working_day(date(2030, 1, 5))


MAKE_UP_ROW = """
make_up_working_days:
  - date: 2030-01-05
    name: Làm bù
    source: https://example.vn/a
"""

ROW = "  - date: {day}\n    name: Nghỉ\n    source: https://example.vn/{day}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extra_days_off:\n" + ROW.format(day="2026-02-30"), r"bad date '2026-02-30'"),
        ("extra_days_off:\n" + ROW.format(day="2/1/2026"), r"bad date '2/1/2026'"),
        (
            "make_up_working_days:\n" + ROW.format(day="2026-01-09"),
            r"make_up_working_days\[0\]: a make-up working day is a Saturday or Sunday; "
            r"2026-01-09 is a Friday",
        ),
        (
            "extra_days_off:\n" + ROW.format(day="2026-01-10"),
            r"2026-01-10 is a Saturday",
        ),
        (
            "make_up_working_days:\n" + ROW.format(day="2026-01-10") * 2,
            r"make_up_working_days\[1\]: 2026-01-10 is listed twice "
            r"\(also at make_up_working_days\[0\]\)",
        ),
        ("extra_days_off:\n" + ROW.format(day="2026-01-02") * 2, r"listed twice"),
        ("extra_day_off:\n" + ROW.format(day="2026-01-02"), r"unknown section extra_day_off"),
        ("extra_days_off:\n  - date: 2026-01-02\n    name: Nghỉ\n", r"exactly the keys"),
        (
            "extra_days_off:\n  - date: 2026-01-02\n    name: ''\n    source: https://x.vn\n",
            r"name must be non-empty",
        ),
        (
            "extra_days_off:\n  - date: 2026-01-02\n    name: Nghỉ\n    source: Bộ Nội vụ\n",
            r"source must be the announcement's URL",
        ),
        ("extra_days_off: 2026-01-02\n", r"extra_days_off must be a list"),
        ("- 2026-01-02\n", r"expected a mapping"),
        ("extra_days_off: [\n", r"not valid YAML"),
    ],
)
def test_load_announcements_refuses_a_bad_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidCalendarFile, match=message) as caught:
        load_announcements(path)
    assert isinstance(caught.value, ServiceError)
    assert str(path) in caught.value.detail


def test_load_announcements_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidCalendarFile, match="cannot be read"):
        load_announcements(tmp_path / "missing.yaml")


def test_an_empty_file_announces_nothing(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("# nothing yet\nextra_days_off:\nmake_up_working_days: []\n")
    assert load_announcements(path).all() == ()
