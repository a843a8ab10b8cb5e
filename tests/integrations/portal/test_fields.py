"""Property tests of the portal's number parsers (query strings and form fields)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from integrations.portal.fields import as_float, as_int, as_point

texts = (
    st.text(max_size=30)
    | st.floats().map(repr)
    | st.integers().map(str)
    | st.sampled_from(["²", "١٢", "1_000", "9" * 5000, "1e400", "nan", "-0", " 3 "])
)


@given(value=st.none() | texts)
def test_as_int_is_a_small_int_for_anything(value: str | None) -> None:
    got = as_int(value)
    assert isinstance(got, int)
    assert abs(got) < 10**6


@given(value=st.none() | texts)
def test_as_float_is_finite_or_none_for_anything(value: str | None) -> None:
    got = as_float(value)
    assert got is None or math.isfinite(got)
    if got is not None:
        assert value is not None
        assert value.isascii()


def test_digits_that_are_not_ascii_are_not_numbers() -> None:
    assert as_int("²") == 0
    assert as_float("١٢") is None  # float() would read Arabic-Indic digits as 12
    assert as_int("-3") == -3
    assert as_float("16.5") == 16.5


@given(lat=st.none() | st.floats(), lon=st.none() | st.floats())
def test_as_point_is_in_range_or_none(lat: float | None, lon: float | None) -> None:
    got = as_point(lat, lon)
    assert got is None or (-90 <= got[0] <= 90 and -180 <= got[1] <= 180)
