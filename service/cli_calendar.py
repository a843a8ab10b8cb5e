"""`triage calendar`: deadlines and days off on the Vietnamese working calendar."""

from datetime import datetime
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer

from service.calendar import (
    LOCAL_TIMEZONE,
    STATUTORY_YEARS,
    DayOff,
    WorkingCalendar,
    default_calendar,
)
from service.errors import ServiceError

app = typer.Typer(
    help="Working days: public holidays, make-up days, deadlines", no_args_is_help=True
)

_KIND_LABELS = {
    "holiday": "holiday",
    "in_lieu": "day in lieu",
    "extra": "extra day off",
    "make_up_working_day": "WORKING (make-up)",
}


def _fail(message: str, *, code: int) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _calendar() -> WorkingCalendar:
    try:
        return default_calendar()
    except ServiceError as exc:
        _fail(exc.detail, code=1)


def _parse_start(text: str) -> datetime:
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        _fail(
            f"START {text!r} is not an ISO 8601 date-time, e.g. 2026-02-13T10:00:00+07:00", code=2
        )
    if start.utcoffset() is None:
        start = start.replace(tzinfo=ZoneInfo(LOCAL_TIMEZONE))
    return start


@app.command("due")
def calendar_due(
    start: Annotated[str, typer.Argument(help=f"ISO 8601; without an offset: {LOCAL_TIMEZONE}")],
    working_days: Annotated[int, typer.Option("--working-days", help="how many working days")],
) -> None:
    """When a case opened at START is due: the same time of day, N working days later."""
    if working_days < 0:
        _fail(f"--working-days must be zero or more, got {working_days}", code=2)
    begin = _parse_start(start)
    try:
        due = _calendar().add_working_days(begin, working_days)
    except OverflowError:
        _fail(f"{working_days} working days after {start} is past the year 9999", code=2)
    typer.echo(due.isoformat())


def _line(entry: DayOff) -> str:
    label = _KIND_LABELS[entry.kind]
    return f"{entry.day:%Y-%m-%d} {entry.day:%a}  {label:<18} {entry.name}  [{entry.source}]"


@app.command("holidays")
def calendar_holidays(
    year: Annotated[int, typer.Argument(help="calendar year")],
) -> None:
    """The year's days off and make-up working days, one per line, with their sources."""
    if year not in STATUTORY_YEARS:
        first, last = STATUTORY_YEARS[0], STATUTORY_YEARS[-1]
        _fail(f"YEAR {year}: public holidays are known for {first} to {last}", code=2)
    for entry in _calendar().days_off(year):
        typer.echo(_line(entry))
