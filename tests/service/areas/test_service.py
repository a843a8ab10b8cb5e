import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.areas import service as area_service
from service.areas.models import Ward
from service.errors import InvalidBoundaryFile

TOL = 300.0
THUAN_HOA = (16.45394, 107.58305)
OFF_THE_COAST_130M = (16.52479, 107.71185)
DA_NANG = (16.0544, 108.2022)


def _square(code: str, name: str, lon: float = 107.0, lat: float = 16.0) -> dict[str, object]:
    ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_locate_ward_inside_a_ward(db_session: Session) -> None:
    m = area_service.locate_ward(db_session, lat=THUAN_HOA[0], lon=THUAN_HOA[1], tolerance_m=TOL)
    assert (m.match, m.ward_code, m.ward_name) == ("inside", "19789", "Thuận Hóa")


def test_locate_ward_near_the_edge_is_approximate(db_session: Session) -> None:
    lat, lon = OFF_THE_COAST_130M
    m = area_service.locate_ward(db_session, lat=lat, lon=lon, tolerance_m=TOL)
    assert m.match == "approximate"
    assert m.ward_code is not None
    assert m.distance_m is not None
    assert 50 < m.distance_m < TOL


def test_locate_ward_far_away_is_outside(db_session: Session) -> None:
    m = area_service.locate_ward(db_session, lat=DA_NANG[0], lon=DA_NANG[1], tolerance_m=TOL)
    assert m.match == "outside"
    assert m.ward_id is None


def test_load_boundaries_replaces_by_code(db_session: Session) -> None:
    before = db_session.scalar(select(func.count()).select_from(Ward))
    ward = area_service.get_ward_by_code(db_session, code="19789")
    renamed = _square("19789", "Thuận Hóa (mới)")
    area_service.load_boundaries(db_session, features=[renamed])
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Ward)) == before
    reloaded = area_service.get_ward_by_code(db_session, code="19789")
    assert reloaded.id == ward.id
    assert reloaded.name == "Thuận Hóa (mới)"


def test_load_boundaries_adds_a_new_ward_from_a_newer_file(db_session: Session) -> None:
    area_service.load_boundaries(db_session, features=[_square("99999", "Phường Mới")])
    m = area_service.locate_ward(db_session, lat=16.005, lon=107.005, tolerance_m=TOL)
    assert (m.match, m.ward_code) == ("inside", "99999")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not a JSON document"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
        (b'{"type": "Feature"}', "FeatureCollection"),
    ],
)
def test_read_boundary_file_rejects_bad_documents(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidBoundaryFile, match=message):
        area_service.read_boundary_file(raw)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            {
                "type": "Feature",
                "properties": {"name": "x"},
                "geometry": {"type": "Polygon", "coordinates": []},
            },
            "'code' and 'name'",
        ),
        (
            {
                "type": "Feature",
                "properties": {"code": "1", "name": "x"},
                "geometry": {"type": "Point", "coordinates": [107, 16]},
            },
            "Polygon or MultiPolygon",
        ),
        (_square("2", "projected", lon=500000.0, lat=1800000.0), "longitude/latitude"),
    ],
)
def test_load_boundaries_rejects_bad_features_and_writes_nothing(
    db_session: Session, feature: dict[str, object], message: str
) -> None:
    good = _square("88888", "Phường Tốt")
    with pytest.raises(InvalidBoundaryFile, match=message):
        area_service.load_boundaries(db_session, features=[good, feature])
    assert db_session.scalar(select(Ward).where(Ward.code == "88888")) is None


def test_load_boundaries_rejects_repeated_codes(db_session: Session) -> None:
    with pytest.raises(InvalidBoundaryFile, match="repeats"):
        area_service.load_boundaries(db_session, features=[_square("7", "a"), _square("7", "b")])


def test_shipped_file_has_forty_units_with_former_names(db_session: Session) -> None:
    wards = area_service.list_wards(db_session)
    assert len(wards) == 40
    phu_xuan = area_service.get_ward_by_code(db_session, code="19753")
    assert "Phường Gia Hội" in phu_xuan.former_units
    assert json.dumps(phu_xuan.properties, ensure_ascii=False).count("Thành phố Huế") == 1
