"""Reading photos: RapidOCR with the wheel's own models, phone numbers with their boxes, the
operator on a cable label, and the phone reader's targets on rendered ad photos."""

import json
from pathlib import Path

import pytest
import rapidocr
from typer.testing import CliRunner

from classifiers.corpus import adphotos
from classifiers.ocr import (
    OcrLine,
    PhotoReader,
    PhotoReading,
    bundled_models,
    open_image,
    reading_order,
    reduce,
    shared_reader,
)
from classifiers.photo_text import operator_on_photo, phones_on_photo
from service.cli import app
from service.operators.directory import load_directory

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"
TRUTH = json.loads((PHOTOS / "truth.json").read_text("utf-8"))
OPERATORS = load_directory()
PLAN = OPERATORS.number_plan


@pytest.fixture(scope="module")
def reader() -> PhotoReader:
    return shared_reader()


def test_only_the_models_inside_the_wheel_are_used() -> None:
    models = bundled_models()
    folder = Path(rapidocr.__file__).parent / "models"
    assert models == {
        "det": folder / "PP-OCRv6_det_small.onnx",
        "rec": folder / "PP-OCRv6_rec_small.onnx",
    }
    assert shared_reader() is shared_reader()  # one engine per process


def test_photos_are_reduced_before_reading() -> None:
    image = open_image((PHOTOS / "ad-jobs-3.jpg").read_bytes())
    small, scale = reduce(image)
    assert max(small.size) <= 1280
    assert max(image.size) <= 1280 or scale < 1


@pytest.mark.parametrize("name", [n for n, t in TRUTH.items() if t["scene"] == "ad"])
def test_the_numbers_on_committed_ad_photos(reader: PhotoReader, name: str) -> None:
    image = open_image((PHOTOS / name).read_bytes())
    reading = reader.read(image)
    found = phones_on_photo(reading, photo=1, plan=PLAN)
    assert [p.e164 for p in found] == TRUTH[name]["numbers"]
    for number in found:
        box = int(number.source.split("box:")[1].split("+")[0])
        line = reading.lines[box - 1]
        assert number.raw.replace("\n", " ")[:4] in reading.text.replace("\n", " ")
        assert line.score >= 0.6
        xs = [x for x, _ in line.box]
        assert 0 <= min(xs) < max(xs) <= image.width + 1  # boxes in the photo's own pixels


def test_the_operator_on_a_cable_label(reader: PhotoReader) -> None:
    reading = reader.read_bytes((PHOTOS / "cables-labelled.jpg").read_bytes())
    expected = TRUTH["cables-labelled.jpg"]["operator"]
    assert operator_on_photo(reading, OPERATORS.label_patterns) == expected


def test_a_photo_with_no_text_reads_as_nothing(reader: PhotoReader) -> None:
    reading = reader.read_bytes((PHOTOS / "power-lines.jpg").read_bytes())
    assert phones_on_photo(reading, photo=1, plan=PLAN) == []


def _line(text: str, top: float, left: float, score: float = 0.99) -> OcrLine:
    return OcrLine(
        text, score, ((left, top), (left + 100, top), (left + 100, top + 40), (left, top + 40))
    )


def test_a_number_split_over_two_lines_names_both_boxes() -> None:
    lines = reading_order([_line("712 665", 100, 0), _line("LH: 0917", 50, 0)])
    reading = PhotoReading(lines, 400, 300, 0.1, "test")
    (number,) = phones_on_photo(reading, photo=2, plan=PLAN)
    assert (number.e164, number.source) == ("+84917712665", "photo:2/box:1+2")


def test_a_doubtful_line_gives_no_number() -> None:
    reading = PhotoReading((_line("0905 123 456", 10, 0, score=0.4),), 400, 300, 0.1, "test")
    assert phones_on_photo(reading, photo=1, plan=PLAN) == []


def test_words_side_by_side_read_left_to_right() -> None:
    ordered = reading_order([_line("456", 10, 300), _line("0905 123", 12, 0), _line("LH", 60, 0)])
    assert [ln.text for ln in ordered] == ["0905 123", "456", "LH"]


def test_the_phone_reader_meets_its_targets_on_rendered_ads(reader: PhotoReader) -> None:
    """Recall >= 0.95, precision >= 0.99 on 40 rendered photos (bench/triage.py measures 200)."""
    true_positive = false_positive = missed = 0
    for photo in adphotos.generate(40, seed=4711):
        found = {p.e164 for p in phones_on_photo(reader.read_bytes(photo.jpeg), photo=1, plan=PLAN)}
        truth = set(photo.numbers)
        true_positive += len(found & truth)
        false_positive += len(found - truth)
        missed += len(truth - found)
    assert true_positive / (true_positive + missed) >= 0.95
    assert true_positive / (true_positive + false_positive) >= 0.99


def test_the_phones_command(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    names = ["ad-jobs-3.jpg", "power-lines.jpg"]
    drawn = tmp_path / "drawn"
    args = ["phones", *(str(PHOTOS / n) for n in names), str(broken), "--details"]
    args += ["--annotate", str(drawn)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1  # one file could not be read
    jobs, power, bad = (json.loads(line) for line in result.stdout.splitlines())
    assert jobs["numbers"] == TRUTH["ad-jobs-3.jpg"]["numbers"]
    assert jobs["found"][0]["box"].startswith("box:")
    assert jobs["lines"]
    assert power["numbers"] == []
    assert Path(jobs["annotated"]) == drawn / "ad-jobs-3.annotated.png"
    drawn_size = open_image(Path(jobs["annotated"]).read_bytes()).size
    photo_size = open_image((PHOTOS / "ad-jobs-3.jpg").read_bytes()).size
    assert drawn_size[1] == photo_size[1]
    assert drawn_size[0] > photo_size[0]  # the photo, and beside it the lines read
    assert bad["error"].startswith("not an image this reader knows")
    missing = CliRunner().invoke(app, ["phones", str(tmp_path / "nope.jpg")])
    assert missing.exit_code == 1
    assert json.loads(missing.stdout)["error"] == "no such file"
