"""The domain lexicon counts what a report is about, and not the words its terms fold onto."""

from classifiers.lexicon import FEATURES, counts


def _groups(text: str, *, loose: bool = False) -> dict[str, float]:
    return dict(zip(FEATURES, counts(text, loose=loose), strict=True))


def test_groups_count_their_terms_typed_with_or_without_marks() -> None:
    for text in ("Cáp quang VNPT đứt, rơi xuống đường", "cap quang vnpt dut, roi xuong duong"):
        found = _groups(text)
        assert found["telecom"] == 2
        assert found["fallen"] >= 1


def test_a_phone_number_is_counted_in_any_format() -> None:
    assert _groups("gọi 0905.123.456 hoặc 0914 222 333, +84 935 111 222")["phone_numbers"] == 3
    assert _groups("năm 2025 có 1.563 số")["phone_numbers"] == 0


def test_syllables_that_fold_onto_common_words_count_only_when_loose() -> None:
    # "dân" / "dán", "rồi" / "rơi", "gây" / "gãy", "cấp" / "cáp", "giao thông" / "thòng"
    text = "Người dân đã phản ánh rồi, gây ùn tắc giao thông, cung cấp nước chậm"
    strict = _groups(text)
    assert strict["ad_surface"] == strict["fallen"] == strict["low"] == strict["line"] == 0
    assert strict["danger"] == 0
    assert _groups("dây võng, rơi, cột đổ", loose=True)["low"] == 1
    assert _groups("dây võng, rơi, cột đổ", loose=True)["danger"] == 1
