"""The held-out-page subtype and urgency figures: no row is scored by a model that saw its
page."""

from collections.abc import Sequence

from classifiers.held_out import subtype_by_page, urgency_by_page
from classifiers.text import Example


class Memory:
    """A 'model' that knows only the rows it was fitted on, and says `tangled` otherwise: any
    row it gets right that is not `tangled` was in its training folds."""

    def __init__(self, rows: Sequence[Example]) -> None:
        self.known = {e.text: e.subtype for e in rows}
        self.pages = {e.source for e in rows}

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.known.get(t, "tangled") for t in texts]


def test_each_page_is_scored_by_a_model_that_never_saw_it() -> None:
    seen: list[Memory] = []

    def fit(rows: Sequence[Example]) -> Memory:
        seen.append(Memory(rows))
        return seen[-1]

    subtypes = ["low_or_sagging", "tangled", "abandoned"]
    rows = [
        Example(f"row {p}-{k}", "cable", subtypes[k % 3], "normal", f"https://news.vn/page-{p}")
        for p in range(10)
        for k in range(3)
    ]
    templated = [Example("templated", "cable", "abandoned", "normal")]
    ads = [Example("an ad", "ad", "loans", "normal", "https://news.vn/page-ad")]
    result = subtype_by_page([*rows, *templated, *ads], "cable", fit)
    assert result["n"] == 30  # the templated row trains but is not scored; ads are not cables
    assert result["accuracy"] == round(10 / 30, 4)  # only the `tangled` rows: nothing was memorised
    assert len(seen) == 5
    assert all("templated" in m.known for m in seen)
    assert result["confusions"] == {"low_or_sagging → tangled": 10, "abandoned → tangled": 10}


def test_too_few_pages_give_no_figure() -> None:
    rows = [Example("x", "cable", "tangled", "normal", f"https://a.vn/{i}") for i in range(3)]
    assert subtype_by_page(rows, "cable", lambda r: Memory(r)) == {}


class Cautious:
    """A priority 'model' that knows only the rows it was fitted on and says `normal`
    otherwise."""

    def __init__(self, rows: Sequence[Example]) -> None:
        self.known = {e.text: e.priority for e in rows}

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.known.get(t, "normal") for t in texts]


def test_urgency_is_scored_on_pages_the_priority_model_never_saw() -> None:
    fits: list[Cautious] = []

    def fit(rows: Sequence[Example]) -> Cautious:
        fits.append(Cautious(rows))
        return fits[-1]

    cables = [
        Example(
            f"cable {p}-{k}",
            "cable",
            "low_or_sagging",
            ("urgent", "normal")[k % 2],
            f"https://news.vn/page-{p}",
        )
        for p in range(10)
        for k in range(2)
    ]
    others = [
        Example(f"other {p}", "other", "", "urgent", f"https://news.vn/o-{p}") for p in range(5)
    ]
    templated = [Example("templated", "cable", "tangled", "urgent")]
    result = urgency_by_page([*cables, *others, *templated], "cable", fit)
    # Nothing was memorised, so no held-out cable is called urgent.
    assert result == {"n": 20, "urgent_n": 10, "urgent_recall": 0.0, "urgent_precision": 0.0}
    assert fits
    assert all("templated" in m.known for m in fits)
    assert all(any(t.startswith("other") for t in m.known) for m in fits)  # every category trains


def test_urgency_figures_count_what_the_model_calls_urgent() -> None:
    class Alarmist:
        def predict(self, texts: Sequence[str]) -> list[str]:
            return ["urgent"] * len(texts)

    rows = [
        Example(f"c{p}-{k}", "cable", "tangled", ("urgent", "normal")[k], f"https://a.vn/{p}")
        for p in range(6)
        for k in range(2)
    ]
    result = urgency_by_page(rows, "cable", lambda _: Alarmist())
    assert result == {"n": 12, "urgent_n": 6, "urgent_recall": 1.0, "urgent_precision": 0.5}
