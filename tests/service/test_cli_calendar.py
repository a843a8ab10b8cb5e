import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-02-13T10:00:00+07:00", "7", "2026-03-03T10:00:00+07:00"),
        ("2026-02-13T10:00", "7", "2026-03-03T10:00:00+07:00"),  # no offset: Huế time
        ("2026-02-13T03:00:00Z", "7", "2026-03-03T03:00:00+00:00"),
        ("2026-01-09T16:00:00+07:00", "1", "2026-01-10T16:00:00+07:00"),  # make-up Saturday
    ],
)
def test_calendar_due_prints_the_due_time(start: str, days: str, due: str) -> None:
    result = runner.invoke(app, ["calendar", "due", start, "--working-days", days])
    assert result.exit_code == 0, result.output
    assert result.stdout == due + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["13/02/2026", "--working-days", "7"], "error: START '13/02/2026' is not an ISO 8601"),
        (["2026-02-13T10:00", "--working-days", "-1"], "error: --working-days must be zero"),
        (
            ["9999-12-30T10:00+07:00", "--working-days", "3"],
            "error: 3 working days after 9999-12-30T10:00+07:00 is past",
        ),
    ],
)
def test_calendar_due_refuses_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["calendar", "due", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_calendar_holidays_lists_days_off_and_make_up_days() -> None:
    result = runner.invoke(app, ["calendar", "holidays", "2026"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "2026-02-17 Tue  holiday            Tết Nguyên Đán  [holidays]" in lines
    assert any(
        line.startswith("2026-04-27 Mon  day in lieu ") and "Hùng Vương" in line for line in lines
    )
    assert any(line.startswith("2026-01-02 Fri  extra day off ") for line in lines)
    make_up = [line for line in lines if line.startswith("2026-08-22 Sat  WORKING (make-up) ")]
    assert len(make_up) == 1
    assert "[https://" in make_up[0]
    assert lines == sorted(lines)


def test_calendar_holidays_refuses_a_year_it_cannot_know() -> None:
    result = runner.invoke(app, ["calendar", "holidays", "1800"])
    assert result.exit_code == 2
    assert result.stderr == "error: YEAR 1800: public holidays are known for 1901 to 2100\n"
