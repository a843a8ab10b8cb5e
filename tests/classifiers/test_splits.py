from classifiers.splits import held_out_by_source, near_duplicates, page_of
from classifiers.text import Example


def _row(text: str, source: str) -> Example:
    return Example(text, "other", "", "normal", source)


def test_a_page_is_the_same_with_or_without_www_and_trailing_slash() -> None:
    assert page_of("https://www.vov.vn/a/b/") == page_of("http://vov.vn/a/b") == "vov.vn/a/b"


def test_every_page_falls_wholly_on_one_side() -> None:
    rows = [_row(f"row {i}", f"https://site{i % 17}.vn/page") for i in range(200)]
    train, held = held_out_by_source(rows, share=0.3)
    assert len(train) + len(held) == 200
    assert {page_of(r.source) for r in train}.isdisjoint({page_of(r.source) for r in held})
    assert held  # some pages are held out
    again_train, _ = held_out_by_source([*rows, _row("new", "https://other.vn/x")], share=0.3)
    assert set(train) <= set(again_train) | {_row("new", "https://other.vn/x")}


def test_near_duplicates_are_found_across_sides_whatever_the_marks() -> None:
    left = ["Cáp viễn thông võng thấp qua đường Lê Lợi", "Đèn đường hư ở kiệt 12"]
    right = ["cap vien thong vong thap qua duong Le Loi!", "Rác thải ùn ứ chợ Đông Ba"]
    pairs = near_duplicates(left, right)
    assert [(i, j) for i, j, _ in pairs] == [(0, 0)]
