import json
from pathlib import Path

import pytest

from classifiers.places import PlaceIndex, Unit
from classifiers.textnorm import canonical_tones, fold

WARDS = Path(__file__).resolve().parents[2] / "data" / "hue_2025_wards.geojson"


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    features = json.loads(WARDS.read_text("utf-8"))["features"]
    return PlaceIndex(
        Unit(
            p["code"],
            p["name"],
            tuple(x.strip() for x in (p.get("before_merger") or "").split(",") if x.strip()),
            p["type"],
        )
        for p in (f["properties"] for f in features)
    )


def test_folding_and_tone_placement() -> None:
    assert fold("Phường Thuận Hóa, ĐƯỜNG Lê Lợi!") == "phuong thuan hoa duong le loi"
    assert canonical_tones("Thuận Hoá") == "Thuận Hóa"
    assert canonical_tones("quý khoẻ") == "quý khỏe"


@pytest.mark.parametrize(
    ("text", "ward", "former"),
    [
        ("Cáp rơi ở phường Vỹ Dạ gần cầu", "Vỹ Dạ", False),
        ("cap treo o phuong vy da", "Vỹ Dạ", False),  # no diacritics
        ("Ở Thuận Hoá có cáp võng", "Thuận Hóa", False),  # old tone placement
        ("Dây cáp rối tại xã Hồng Thủy", "A Lưới 1", True),  # merged into A Lưới 1 in 2025
        ("P.Phú Hội, số 5", "Thuận Hóa", True),
        ("phường Thuận Hòa cũ", "Phú Xuân", True),  # Thuận Hòa ≠ Thuận Hóa
        ("cáp võng ở Phú Bài", "Phú Bài", False),
        # "Phú Xuân" is today's ward and a commune merged into Phú Hồ: the unit word decides.
        ("Giấy dán ở phường Phú Xuân", "Phú Xuân", False),
        ("day cap roi o phuong phu xuan", "Phú Xuân", False),
        ("Cáp rơi ở xã Phú Xuân cũ", "Phú Hồ", True),
    ],
)
def test_units_named_in_text(index: PlaceIndex, text: str, ward: str, former: bool) -> None:
    found = index.find(text)
    assert found is not None
    assert (found.name, found.former) == (ward, former)


@pytest.mark.parametrize(
    "text",
    [
        "o thuan hoa co cap",  # without diacritics, Thuận Hóa and Thuận Hòa fold alike
        "đường Phú Hội số 5",  # a street, which may be anywhere
        "cáp treo võng thấp",
        "gặp anh Hòa ở đầu kiệt",
        "cáp treo ở Phú Xuân",  # today's ward, or the former commune: nothing tells
    ],
)
def test_no_answer_rather_than_a_guess(index: PlaceIndex, text: str) -> None:
    assert index.find(text) is None
