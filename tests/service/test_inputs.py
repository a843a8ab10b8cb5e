"""Property tests of the shared input rules: submitted_at and ASCII integers."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from service.inputs import OffsetDatetime, QueryDatetime, ascii_digits

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(timezones=offsets).map(lambda d: d.isoformat()) | st.text(max_size=40)
submitted = TypeAdapter(OffsetDatetime)
bound = TypeAdapter(QueryDatetime)


@given(value=moments)
def test_submitted_at_is_a_past_utc_moment_or_a_validation_error(value: str) -> None:
    try:
        when = submitted.validate_python(value)
    except ValidationError:
        return
    assert when.tzinfo == UTC
    assert datetime(2000, 1, 1, tzinfo=UTC) <= when <= datetime.now(UTC) + timedelta(days=1)


@given(value=moments)
def test_a_query_bound_is_utc_or_a_validation_error(value: str) -> None:
    try:
        when = bound.validate_python(value)
    except ValidationError:
        return
    assert when.tzinfo == UTC


@given(value=st.none() | st.text(max_size=30) | st.integers().map(str))
def test_ascii_digits_reads_only_ascii_digits(value: str | None) -> None:
    got = ascii_digits(value)
    if got is not None:
        assert value is not None
        assert value.isascii()
        assert str(got) == value.lstrip("0") or got == 0


def test_ascii_digits_refuses_superscripts_and_other_scripts() -> None:
    assert ascii_digits("²³") is None
    assert ascii_digits("١٢") is None
    assert ascii_digits("12") == 12
