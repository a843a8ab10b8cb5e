import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("lat", "lon", "match", "code"),
    [("16.45394", "107.58305", "inside", "19789"), ("16.0544", "108.2022", "outside", None)],
)
def test_geotag_prints_the_ward_as_json(lat: str, lon: str, match: str, code: str | None) -> None:
    result = runner.invoke(app, ["geotag", lat, lon])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["match"], out["ward_code"]) == (match, code)


@pytest.mark.usefixtures("cli_env")
def test_geotag_refuses_a_latitude_out_of_range() -> None:
    result = runner.invoke(app, ["geotag", "--", "123", "107"])
    assert result.exit_code != 0
    assert "less than or equal to 90" in result.output


@pytest.mark.usefixtures("cli_env")
def test_wards_load_reports_a_bad_file_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": "1"}, "geometry": null}]}'
    )
    result = runner.invoke(app, ["wards", "load", str(bad)])
    assert result.exit_code == 1
    assert "'code' and 'name' are required" in result.output


@pytest.mark.usefixtures("cli_env")
def test_wards_load_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["wards", "load", str(tmp_path / "nope.geojson")])
    assert result.exit_code == 1
    assert "cannot read" in result.output
