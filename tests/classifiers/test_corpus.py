"""The team's corpus: valid labels, a source page for every open-world row, and nothing of
the real development set in the repository (it is for evaluation only)."""

import csv
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from classifiers.splits import held_out_by_source, near_duplicates, page_of
from classifiers.text import CATEGORIES, Example, corpus_files
from classifiers.textnorm import fold
from service.cases.models import SUBTYPES
from service.config import PROJECT_ROOT

WORLD = PROJECT_ROOT / "classifiers" / "corpus" / "world"
REAL_DEV = PROJECT_ROOT.parent / "shared" / "data" / "real-dev" / "reports.csv"
RUN = 8  # words: a longer shared run means a sentence was copied
# words of an address's path: a longer shared run means another outlet's copy of one story
# ("day-cap-quang-bi-no-dut-bay-nguoi-di-duong" on two sites); shorter ones are stock headline
# phrases ("quang-cao-rao-vat-trai-phep") shared by different stories
SLUG_RUN = 7
REGISTERS = {"short", "rambling", "no_diacritics", "teencode", "with_address", "official", "press"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    words = fold(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _slug_runs(url: str) -> set[tuple[str, ...]]:
    path = urlsplit(url.strip()).path.lower()
    return _runs(" ".join(re.findall(r"[a-z]+", path)), SLUG_RUN)


@pytest.mark.parametrize("path", sorted(WORLD.glob("*.csv")), ids=lambda p: p.name)
def test_every_open_world_row_is_labelled_by_the_rules_and_names_its_page(path: Path) -> None:
    rows = _rows(path)
    assert rows, path
    for n, row in enumerate(rows, start=2):
        where = f"{path.name}:{n}"
        assert row["text"].strip(), where
        assert row["category"] in CATEGORIES, where
        allowed = SUBTYPES[row["category"]]
        assert (row["subtype"] in allowed) if allowed else not row["subtype"], where
        assert row["priority"] in ("normal", "urgent"), where
        assert not (row["category"] == "ad" and row["priority"] == "urgent"), where
        assert row["register"] in REGISTERS, where
        assert re.match(r"https?://[^/\s]+\.[^/\s]+", row["source"]), where


@pytest.mark.skipif(not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)")
def test_no_run_of_the_development_set_is_in_the_repository() -> None:
    held_out: set[tuple[str, ...]] = set()
    for row in _rows(REAL_DEV):
        held_out |= _runs(row["text"])
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    leaks = []
    for name in tracked:
        path = PROJECT_ROOT / name
        if path.suffix not in {".csv", ".md", ".py", ".txt", ".json", ".yaml", ".html"}:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for line in text.splitlines():  # a CSV row, a paragraph: runs do not span lines
            shared = _runs(line) & held_out
            if shared:
                leaks.append(f"{name}: {' '.join(next(iter(shared)))}")
    assert not leaks, leaks


@pytest.mark.skipif(not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)")
def test_no_corpus_row_is_a_near_copy_of_a_development_row() -> None:
    dev = [row["text"] for row in _rows(REAL_DEV)]
    ours = [
        row["text"]
        for path in [*corpus_files(WORLD.parent), WORLD.parent / "eval.csv"]
        for row in _rows(path)
    ]
    assert near_duplicates(ours, dev) == []


def test_held_out_world_rows_share_no_page_and_no_near_copy_with_training_rows() -> None:
    rows = [
        Example(r["text"], r["category"], r["subtype"], r["priority"], r["source"])
        for path in sorted(WORLD.glob("*.csv"))
        for r in _rows(path)
    ]
    if not rows:
        pytest.skip("no open-world rows yet")
    train, held = held_out_by_source(rows, share=0.2)
    assert {page_of(r.source) for r in train}.isdisjoint({page_of(r.source) for r in held})
    copies = near_duplicates([r.text for r in held], [r.text for r in train])
    assert copies == [], [(held[i].text, train[j].text) for i, j, _ in copies[:5]]


@pytest.mark.skipif(not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)")
def test_no_corpus_row_is_modelled_on_a_page_of_the_development_set() -> None:
    dev_pages = {page_of(row["source"]) for row in _rows(REAL_DEV)}
    shared = [
        f"{path.name}: {row['source']}"
        for path in sorted(WORLD.glob("*.csv"))
        for row in _rows(path)
        if page_of(row["source"]) in dev_pages
    ]
    assert shared == [], sorted(set(shared))  # every page at once: drop all their rows


@pytest.mark.skipif(not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)")
def test_no_corpus_row_is_modelled_on_another_outlets_copy_of_a_development_story() -> None:
    dev_slugs: set[tuple[str, ...]] = set()
    for row in _rows(REAL_DEV):
        dev_slugs |= _slug_runs(row["source"])
    copies = sorted(
        {
            f"{path.name}: {row['source']}"
            for path in sorted(WORLD.glob("*.csv"))
            for row in _rows(path)
            if _slug_runs(row["source"]) & dev_slugs
        }
    )
    assert copies == [], copies
