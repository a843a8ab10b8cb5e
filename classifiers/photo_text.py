"""What the text read off a photo says: phone numbers (with the boxes they were read from)
and the operator named on a cable label."""

from collections.abc import Sequence
from dataclasses import replace

from classifiers.ocr import PhotoReading
from classifiers.operators import LabelPatterns, operator_in
from classifiers.phones import NumberPlan, PhoneNumber, extract_phones

# A number read from a line the recogniser itself doubts is not evidence enough.
MIN_LINE_SCORE = 0.6


def phones_on_photo(
    reading: PhotoReading, *, photo: int, plan: NumberPlan, min_score: float = MIN_LINE_SCORE
) -> list[PhoneNumber]:
    """Numbers on the photo, each with source "photo:N/box:I" (or "box:I+J" when it spans
    two lines; I counts the reading's lines from 1) and its span in `reading.text`."""
    starts: list[int] = []
    offset = 0
    for line in reading.lines:
        starts.append(offset)
        offset += len(line.text) + 1  # the "\n" that joins lines
    found = []
    for number in extract_phones(reading.text, plan=plan, source=f"photo:{photo}"):
        boxes = [
            i
            for i, (start, line) in enumerate(zip(starts, reading.lines, strict=True))
            if start < number.end and number.start < start + len(line.text)
        ]
        if not boxes or min(reading.lines[i].score for i in boxes) < min_score:
            continue
        boxes_named = "+".join(str(i + 1) for i in boxes)
        found.append(replace(number, source=f"photo:{photo}/box:{boxes_named}"))
    return found


def operator_on_photo(reading: PhotoReading, patterns: LabelPatterns) -> str | None:
    """An operator's name on a cable's identification label, if exactly one is legible."""
    return operator_in(reading.text, patterns)


def operator_of(text: str, readings: Sequence[PhotoReading], patterns: LabelPatterns) -> str | None:
    """The operator the report's text names, else the first one legible on its photos."""
    return operator_in(text, patterns) or next(
        (op for reading in readings if (op := operator_on_photo(reading, patterns))), None
    )
