"""The operators and carriers as data (data/operators.yaml): who runs which network, whose
mobile prefix blocks are whose, which label names whom, and where each one's cables run.

The directory is read once per file and never changes while the process runs; the number
plan and the label patterns it builds are what `classifiers` needs to read numbers and
operator names, so the classifiers themselves hold no such data.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from classifiers.operators import LabelPatterns
from classifiers.phones import NumberPlan, classify_number
from service.config import PROJECT_ROOT
from service.operators.parsing import Numbering, OperatorProfile, read_operator_file

DEFAULT_FILE = PROJECT_ROOT / "data" / "operators.yaml"

__all__ = ["DEFAULT_FILE", "OperatorDirectory", "OperatorProfile", "load_directory"]


@dataclass(frozen=True, slots=True)
class OperatorDirectory:
    profiles: tuple[OperatorProfile, ...]  # in the file's order
    number_plan: NumberPlan
    label_patterns: LabelPatterns

    @classmethod
    def build(
        cls, numbering: Numbering, profiles: tuple[OperatorProfile, ...]
    ) -> "OperatorDirectory":
        mobile = {prefix: p.slug for p in profiles for prefix in p.mobile_prefixes}
        plan = NumberPlan(
            mobile=MappingProxyType(mobile),
            area_code=numbering.area_code,
            former_area_codes=numbering.former_area_codes,
            service_prefixes=MappingProxyType(dict(numbering.service_prefixes)),
        )
        patterns = LabelPatterns.of(
            (pattern, p.slug) for p in profiles for pattern in p.label_patterns
        )
        return cls(profiles, plan, patterns)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(p.slug for p in self.profiles)

    def get(self, slug: str) -> OperatorProfile | None:
        return next((p for p in self.profiles if p.slug == slug), None)

    def carrier_of(self, e164: str) -> str | None:
        """The slug of the carrier whose block holds a mobile number (+84… or 0…), else None.
        A hint: numbers have been portable between carriers since 2018."""
        if e164.startswith("+84"):
            national = "0" + e164[3:]
        elif e164.startswith("0"):
            national = e164
        else:
            return None
        found = classify_number(national, self.number_plan) if national.isdigit() else None
        return found[1] if found else None

    def cable_operators(self, ward_code: str | None) -> list[str]:
        """Slugs of the operators with a cable network in the ward, in the file's order; with
        no ward known, those whose cables run everywhere."""
        return [p.slug for p in self.profiles if p.has_cable_in(ward_code)]


def load_directory(path: Path | None = None) -> OperatorDirectory:
    """The directory in `path` (default data/operators.yaml), read once per path;
    InvalidOperatorFile naming the entry and the field when the file is wrong."""
    return _load((path or DEFAULT_FILE).resolve())


@cache
def _load(path: Path) -> OperatorDirectory:
    numbering, profiles = read_operator_file(path)
    return OperatorDirectory.build(numbering, profiles)
