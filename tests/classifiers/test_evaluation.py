import pytest

from classifiers.evaluation import automation_at, group_by_family, source_family


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("https://tuongtac.hue.gov.vn/chi-tiet/123", "portal"),
        ("http://www.tuongtac.thuathienhue.gov.vn/x", "portal"),
        ("https://gopy.danang.gov.vn/a", "portal"),
        ("https://thanhnien.vn/cap-treo.htm", "press"),
        ("", "unknown"),
        ("not a url", "unknown"),
    ],
)
def test_source_family(url: str, family: str) -> None:
    assert source_family(url) == family


def test_rows_are_grouped_by_family() -> None:
    groups = group_by_family(
        ["https://vov.vn/a", "https://tuongtac.hue.gov.vn/b", "", "https://nld.com.vn/c"]
    )
    assert groups == {"portal": [1], "press": [0, 3], "unknown": [2]}


def test_automation_counts_what_passes_the_threshold_unseen() -> None:
    auto = automation_at([0.95, 0.9, 0.6, 0.4], [True, False, True, False], threshold=0.7)
    assert (auto.automatic_share, auto.automatic_accuracy, auto.manual) == (0.5, 0.5, 2)
    none = automation_at([0.2], [True], threshold=0.7)
    assert (none.automatic_share, none.automatic_accuracy, none.manual) == (0.0, 1.0, 1)
