import math

import pytest

from service.geo import snap_to_grid

HUE = (16.4637, 107.5909)


@pytest.mark.parametrize("metres", [50.0, 100.0, 500.0])
def test_snap_to_grid_stays_within_the_cell(metres: float) -> None:
    for i in range(200):
        lat = HUE[0] + (i * 0.000137) % 0.02
        lon = HUE[1] + (i * 0.000291) % 0.02
        s_lat, s_lon = snap_to_grid(lat=lat, lon=lon, metres=metres)
        dy = (s_lat - lat) * 111_320
        dx = (s_lon - lon) * 111_320 * math.cos(math.radians(lat))
        assert math.hypot(dx, dy) <= 0.71 * metres + 2  # half the cell's diagonal (+ rounding)


def test_every_point_of_a_cell_gives_the_same_answer() -> None:
    centre = snap_to_grid(lat=HUE[0], lon=HUE[1], metres=100)
    near = [(centre[0] + d, centre[1] + e) for d in (-0.0004, 0, 0.0004) for e in (-0.0004, 0.0004)]
    assert {snap_to_grid(lat=a, lon=b, metres=100) for a, b in near} == {centre}
    # One cell further (about 100 m north) is another answer.
    assert snap_to_grid(lat=centre[0] + 0.0009, lon=centre[1], metres=100) != centre


def test_a_six_decimal_point_comes_out_snapped() -> None:
    assert snap_to_grid(lat=16.453941, lon=107.583052, metres=100) != (16.453941, 107.583052)
    assert snap_to_grid(lat=89.9999, lon=179.9999, metres=100)[1] <= 180.0
