from datetime import UTC, datetime

from service.cases.deadlines import add_working_days

TZ = "Asia/Ho_Chi_Minh"


def test_add_working_days_skips_the_weekend() -> None:
    friday_local_noon = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 12:00 in Huế
    due = add_working_days(friday_local_noon, 7, tz=TZ)
    # Wednesday: Tuesday 24 Nov 2026 is Vietnam Culture Day, a public holiday in `holidays`.
    assert due == datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


def test_add_working_days_counts_in_local_time() -> None:
    # 23:30 UTC on Friday is already Saturday morning in Huế: the count starts from Saturday.
    late_friday_utc = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    due = add_working_days(late_friday_utc, 1, tz=TZ)
    assert due.astimezone(UTC) == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 06:30


def test_add_working_days_skips_tet() -> None:
    friday_before_tet = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # 10:00 in Huế
    due = add_working_days(friday_before_tet, 7, tz=TZ)
    assert due == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
