"""Property tests of Open311's date, window and coordinate parsers at the edges: a clean
ValueError / problem list, never another exception."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from integrations.open311.parse import _coordinates
from integrations.open311.routes import _parse_date, _window

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(timezones=offsets)
iso_texts = aware.map(lambda d: d.isoformat()) | st.text(max_size=40)


@given(start=st.none() | iso_texts, end=st.none() | iso_texts)
def test_window_answers_a_window_or_a_value_error(start: str | None, end: str | None) -> None:
    try:
        since, until = _window(start, end, 90)
    except ValueError:
        return
    assert since <= until
    assert until - since <= timedelta(days=90)


@given(value=iso_texts)
def test_parse_date_answers_an_aware_date_in_range_or_a_value_error(value: str) -> None:
    try:
        when = _parse_date(value, "start_date")
    except ValueError:
        return
    assert datetime(2000, 1, 1, tzinfo=UTC) <= when <= datetime(9000, 1, 1, tzinfo=UTC)


numbers = st.floats().map(repr) | st.integers().map(str) | st.text(max_size=20)


@given(lat=numbers, lon=numbers)
def test_coordinates_are_in_range_or_a_problem(lat: str, lon: str) -> None:
    problems: list[str] = []
    got = _coordinates({"lat": lat, "long": lon}, problems)
    if problems:
        assert got == (None, None)
    elif got != (None, None):
        assert -90 <= got[0] <= 90  # type: ignore[operator]
        assert -180 <= got[1] <= 180  # type: ignore[operator]
