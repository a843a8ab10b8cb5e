"""Phone numbers: every format in DOMAIN.md, the OCR confusions, the gaps in phonenumbers'
Vietnam metadata, and nothing invented from dates, prices or areas."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifiers.phones import classify_number, extract_phones
from service.operators.directory import load_directory

PLAN = load_directory().number_plan


def numbers(text: str) -> list[str]:
    return [p.e164 for p in extract_phones(text, plan=PLAN)]


@pytest.mark.parametrize(
    "written",
    [
        "0905123456",
        "0905 123 456",
        "0905.123.456",
        "09.05.12.34.56",
        "0905-123-456",
        "+84 905 123 456",
        "+84905123456",
        "84905123456",
        "(+84) 905.123.456",
        "0905 123\n456",  # across two lines
        "0905. 123. 456",
    ],
)
def test_every_way_a_mobile_number_is_written(written: str) -> None:
    assert numbers(f"Khoan cắt bê tông LH {written} giá rẻ") == ["+84905123456"]


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        ("O9O5 l23 456", "+84905123456"),
        ("09O5.I23.456", "+84905123456"),
        ("0905 l23 45S", "+84905123455"),
        ("0B12 345 678", "+84812345678"),
        ("09Z2 345 678", "+84922345678"),
        ("0905|23456", "+84905123456"),
    ],
)
def test_ocr_confusions_inside_digit_runs(ocr: str, expected: str) -> None:
    assert numbers(ocr) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 12/03/2024",
        "giá 1.500.000đ",
        "DT 62-03",
        "diện tích 100m2, 5x20m",
        "20.11.2024 lúc 08.30",
        "số nhà 123/45 Lê Lợi",
        "0905123456789",  # too long: not cut down to a number
        "090512345",  # too short
        "0105123456",  # no such prefix
        "BOSS SOS Zalo",  # letters alone
        "Mã HUE-7K3M-Q9TX",
        "+1 905 123 4567",  # not Vietnam
        "CMND 046123456789",
    ],
)
def test_nothing_is_invented_from_dates_prices_areas_or_codes(text: str) -> None:
    assert numbers(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 12/03/2025\n0984-810-630",  # seen on a rendered ad: "03 2025 0984" is no number
        "Ngày 12.03.2025 0984.810.630",
        "Từ 20/11/2025 gọi 0984 810 630",
    ],
)
def test_a_date_before_a_number_neither_hides_it_nor_makes_another(text: str) -> None:
    assert numbers(text) == ["+84984810630"]


def test_several_numbers_in_one_run_and_their_spans() -> None:
    text = "Hút hầm cầu: 0905.123.456 - 0914 222 333, gọi ngay"
    found = extract_phones(text, plan=PLAN, source="photo:1/box:3")
    assert [p.national for p in found] == ["0905123456", "0914222333"]
    for p in found:
        assert text[p.start : p.end] == p.raw
        assert p.source == "photo:1/box:3"


def test_a_number_written_twice_is_listed_once() -> None:
    assert numbers("0905123456 … gọi 0905 123 456") == ["+84905123456"]


@pytest.mark.parametrize(
    ("national", "kind", "carrier"),
    [
        ("0321234567", "mobile", "viettel"),
        ("0861234567", "mobile", "viettel"),
        ("0981234567", "mobile", "viettel"),
        ("0811234567", "mobile", "vnpt"),
        ("0881234567", "mobile", "vnpt"),
        ("0941234567", "mobile", "vnpt"),
        ("0701234567", "mobile", "mobifone"),
        ("0891234567", "mobile", "mobifone"),  # phonenumbers rejects 0890–0895
        ("0931234567", "mobile", "mobifone"),
        ("0521234567", "mobile", "vietnamobile"),
        ("0921234567", "mobile", "vietnamobile"),
        ("0591234567", "mobile", "gmobile"),
        ("0992123456", "mobile", "gmobile"),  # phonenumbers rejects 0992
        ("0871234567", "mobile", "itelecom"),  # phonenumbers says VinaPhone (vnpt)
        ("0551234567", "mobile", "reddi"),
        ("02343822222", "landline", None),
        ("02438221234", "landline", None),  # Hà Nội, known to phonenumbers
        ("19001234", "premium_rate", None),
        ("1900123456", "premium_rate", None),
        ("18001234", "toll_free", None),
        ("1800123456", "toll_free", None),
    ],
)
def test_kinds_and_carrier_hints(national: str, kind: str, carrier: str | None) -> None:
    assert classify_number(national, PLAN) == (kind, carrier)


def test_hue_landlines_old_and_new_area_codes_and_service_numbers() -> None:
    assert numbers("ĐT 0234 3822 222 hoặc (054) 3822 223") == ["+842343822222", "+842343822223"]
    assert numbers("hotline 1900 1234 / 1800 123 456") == ["+8419001234", "+841800123456"]


@given(st.text(alphabet=st.sampled_from("0123456789 .-+()\nOolISBZ/đgiáLH"), max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_only_well_formed_numbers(text: str) -> None:
    for p in extract_phones(text, plan=PLAN):
        assert text[p.start : p.end] == p.raw
        assert classify_number(p.national, PLAN) == (p.kind, p.carrier_hint)
        assert p.e164.startswith("+84")
