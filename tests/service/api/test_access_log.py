import logging

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.access_log import redact_query


def test_the_access_log_keeps_no_coordinates(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # What uvicorn's access logger logs for each request (its format and arguments).
    path = "/portal/?plat=16.474612&plon=107.609981&acc=12&lang=vi"
    logger = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        assert client.get(path).status_code == 200
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
        logger.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
            "/portal/map.svg?z=6&clat=16.47461&clon=107.60998&mlat=16.47461&mlon=107.60998",
            "1.1", 200,
        )  # fmt: skip
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "16.47" not in text
    assert "107.60" not in text
    assert "plat=redacted" in text
    assert "lang=vi" in text
    assert "z=6" in text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/portal/?map.x=170&map.y=120&z=2", "/portal/?map.x=redacted&map.y=redacted&z=2"),
        (
            "/api/v1/cases?near=16.45,107.58&radius_m=300",
            "/api/v1/cases?near=redacted&radius_m=300",
        ),
        ("/portal/track?code=HUE-2222-2222", "/portal/track?code=HUE-2222-2222"),
        ("/x?LAT=1&lon=2#frag", "/x?LAT=redacted&lon=redacted#frag"),
    ],
)
def test_redact_query(path: str, expected: str) -> None:
    assert redact_query(path) == expected


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), other=st.text(max_size=20))
def test_no_coordinate_survives_redaction(lat: float, lon: float, other: str) -> None:
    out = redact_query(f"/portal/?lang=vi&plat={lat!r}&plon={lon!r}")
    assert out == "/portal/?lang=vi&plat=redacted&plon=redacted"
    assert isinstance(redact_query(other), str)
