"""Vietnamese phone numbers out of report text and OCR text, precision first.

Candidates are runs of digits with the separators people put in them (spaces, dots, dashes,
a line break, brackets) and, inside a run, the letters OCR confuses with digits
(O→0, l/I/|→1, S→5, B→8, Z→2; at most three, in a run of at least seven real
digits). A candidate becomes a number only if it has the exact shape
of a Vietnamese number — a known mobile prefix and 10 digits, Huế's 0234 and 7 digits, 1800 /
1900 — checked against the `NumberPlan` the caller passes in (data the service keeps with its
operators, since the `phonenumbers` metadata has gaps for Vietnam) and, for other landlines,
against `phonenumbers`. Dates, prices, areas and
anything else that merely has digits is left alone: nothing is invented.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

_CONFUSIONS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1",
                             "S": "5", "B": "8", "Z": "2"})  # fmt: skip
_DIGITISH = "0-9OolI|SBZ"
# A run: starts with "+", a digit or a confusable letter; digit-ish characters joined by at
# most two separator characters (". ", " - ", a line break…).
_RUN = re.compile(rf"\+?\s?[{_DIGITISH}](?:[{_DIGITISH}]|[ \t.\-\n\r()/]{{1,3}}(?=[{_DIGITISH}]))*")
_SEPARATORS = re.compile(r"[ \t.\-\n\r()/+]+")
_MAX_LETTERS = 3


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    e164: str  # +84905123456
    national: str  # 0905123456
    kind: str  # mobile | landline | toll_free | premium_rate
    carrier_hint: str | None  # the carrier's slug by prefix; numbers are ported: only a hint
    start: int  # span in the source text
    end: int
    raw: str  # as written (or as OCR read it)
    source: str  # "text", "photo:2/box:5"…


@dataclass(frozen=True, slots=True)
class NumberPlan:
    """What makes a Vietnamese number, as data: mobile prefixes ("090") → the carrier's slug,
    the local area code ("0234") and the codes it replaced ("054"), and service prefixes
    ("1800") → kind ("toll_free")."""

    mobile: Mapping[str, str]
    area_code: str
    former_area_codes: tuple[str, ...]
    service_prefixes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class _Scan:
    plan: NumberPlan
    source: str


def extract_phones(text: str, *, plan: NumberPlan, source: str = "text") -> list[PhoneNumber]:
    """Every number in the text, once each, in order of appearance."""
    scan = _Scan(plan, source)
    found: list[PhoneNumber] = []
    seen: set[str] = set()
    for match in _RUN.finditer(text):
        for number in _numbers_in_run(match.group(0), match.start(), scan):
            if number.e164 not in seen:
                seen.add(number.e164)
                found.append(number)
    return found


def classify_number(national: str, plan: NumberPlan) -> tuple[str, str | None] | None:
    """(kind, carrier slug hint) for a national-format number, or None if it is not one."""
    if len(national) == 10 and national[:3] in plan.mobile:
        return "mobile", plan.mobile[national[:3]]
    for prefix, kind in plan.service_prefixes.items():
        if national.startswith(prefix) and len(national) in (8, 10):
            return kind, None
    if national.startswith(plan.area_code) and len(national) == 11:
        return "landline", None
    if national.startswith("02") and len(national) == 11 and _valid_elsewhere(national):
        return "landline", None  # another province's landline, as phonenumbers knows them
    return None


def _numbers_in_run(run: str, offset: int, scan: _Scan) -> list[PhoneNumber]:
    """One run may hold several numbers ("0905 123 456 - 0914 222 333"): take groups from
    the left and close a number as soon as the digits make one."""
    groups = [(m.group(0), m.start()) for m in re.finditer(rf"[{_DIGITISH}]+", run)]
    numbers: list[PhoneNumber] = []
    i, free_start = 0, 0
    while i < len(groups):
        number = None
        if i == free_start or _spaced(run, groups, i):
            number, used = _longest_number_from(run, groups, i, offset, scan)
        if number is None:
            i += 1
            continue
        numbers.append(number)
        i += used
        free_start = i
    return numbers


def _spaced(run: str, groups: list[tuple[str, int]], i: int) -> bool:
    """A number starts at a run's start, right after another number, or after a space or a
    line break: never inside "12.03.2025" or "12/03/2025", where "03 2025 0984…" would
    otherwise read as a Viettel number."""
    chunk, start = groups[i - 1]
    return any(c.isspace() for c in run[start + len(chunk) : groups[i][1]])


def _longest_number_from(
    run: str, groups: list[tuple[str, int]], i: int, offset: int, scan: _Scan
) -> tuple[PhoneNumber | None, int]:
    best: tuple[PhoneNumber | None, int] = (None, 0)
    digits = ""
    letters = 0
    for j in range(i, len(groups)):
        chunk, _ = groups[j]
        letters += sum(1 for c in chunk if not c.isdigit())
        digits += chunk.translate(_CONFUSIONS)
        if len(digits) > 12 or letters > _MAX_LETTERS:
            break
        start = groups[i][1]
        end = groups[j][1] + len(chunk)
        plus = run[:start].rstrip().endswith("+")
        national = _national(digits, plus, scan.plan)
        if national is None or (letters and not _mostly_digits(groups[i : j + 1])):
            continue
        kind = classify_number(national, scan.plan)
        if kind is not None:
            raw_start = run.rfind("+", 0, start) if plus else start
            best = (
                PhoneNumber(
                    e164="+84" + (national[1:] if national.startswith("0") else national),
                    national=national,
                    kind=kind[0],
                    carrier_hint=kind[1],
                    start=offset + raw_start,
                    end=offset + end,
                    raw=run[raw_start:end],
                    source=scan.source,
                ),
                j - i + 1,
            )
    return best


def _national(digits: str, plus: bool, plan: NumberPlan) -> str | None:
    if digits.startswith(tuple(plan.service_prefixes)):
        return digits
    if digits.startswith("84") and len(digits) in (11, 12) and (plus or len(digits) == 11):
        return "0" + digits[2:]
    if plus:
        return None  # "+" followed by something other than 84
    for former in plan.former_area_codes:
        if digits.startswith(former) and len(digits) == len(former) + 7:
            return plan.area_code + digits[len(former) :]  # 054 → 0234 (2017)
    return digits if digits.startswith("0") else None


def _mostly_digits(groups: list[tuple[str, int]]) -> bool:
    """A letter counts as a digit only inside a run that is mostly real digits."""
    text = "".join(chunk for chunk, _ in groups)
    digits = sum(c.isdigit() for c in text)
    return digits >= 7


def _valid_elsewhere(national: str) -> bool:
    try:
        parsed = phonenumbers.parse(national, "VN")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))
