"""One entry of the working calendar, and the public holidays the `holidays` package computes."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

import holidays
from holidays.countries.vietnam import Vietnam

DayKind = Literal["holiday", "in_lieu", "extra", "make_up_working_day"]
HOLIDAYS_SOURCE = "holidays"
# The years the package computes; outside them only weekends and announcements count.
STATUTORY_YEARS = range(Vietnam.start_year, Vietnam.end_year + 1)


@dataclass(frozen=True, slots=True)
class DayOff:
    """A day off (`kind` holiday, in_lieu or extra), or a weekend day worked to make up for a
    bridge day (`kind` make_up_working_day). `source` is "holidays" or the announcement's URL."""

    day: date
    name: str
    source: str
    kind: DayKind = "holiday"

    @property
    def is_working_day(self) -> bool:
        return self.kind == "make_up_working_day"


@lru_cache(maxsize=64)
def statutory_days_off(year: int) -> tuple[DayOff, ...]:
    """Vietnam's public holidays of `year` as the package computes them, Vietnamese names:
    lunar Tết and Hùng Kings, days in lieu of holidays on a weekend, and the swaps it knows."""
    as_listed = holidays.country_holidays("VN", years=year, observed=False, language="vi")
    with_in_lieu = holidays.country_holidays("VN", years=year, language="vi")
    return tuple(
        DayOff(day, name, HOLIDAYS_SOURCE, "holiday" if day in as_listed else "in_lieu")
        for day, name in sorted(with_in_lieu.items())
    )


@lru_cache(maxsize=64)
def statutory_dates(year: int) -> frozenset[date]:
    return frozenset(entry.day for entry in statutory_days_off(year))
