"""Reading data/operators.yaml, strictly: every field of every entry is checked, and a wrong
one is named (`operators[3] (mobifone).mobile_prefixes: …`), so a bad edit fails at start-up
rather than routing a ticket to the wrong carrier."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from service.errors import InvalidOperatorFile

NETWORKS = ("cable", "mobile", "fixed")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ENTRY_KEYS = {"slug", "networks", "mobile_prefixes", "label_patterns", "cable_coverage"}
_NUMBERING_KEYS = {"area_code", "former_area_codes", "service_prefixes"}


@dataclass(frozen=True, slots=True)
class OperatorProfile:
    slug: str  # the operator's unit slug (data/units.json)
    networks: tuple[str, ...]  # a subset of NETWORKS
    mobile_prefixes: tuple[str, ...]  # 3-digit national prefixes: "090"
    label_patterns: tuple[str, ...]  # regexes over folded text
    cable_wards: frozenset[str] | None  # ward codes its cables run in; None: every ward

    def has_cable_in(self, ward_code: str | None) -> bool:
        """Runs cable in the ward; with no ward known, only an operator that runs it in all."""
        if "cable" not in self.networks:
            return False
        if self.cable_wards is None:
            return True
        return ward_code is not None and ward_code in self.cable_wards


@dataclass(frozen=True, slots=True)
class Numbering:
    area_code: str  # "0234"
    former_area_codes: tuple[str, ...]  # ("054",)
    service_prefixes: Mapping[str, str]  # "1800" → "toll_free"


@dataclass(frozen=True, slots=True)
class _Field:
    """Where a value sits in the file, for error messages."""

    path: Path
    where: str

    def fail(self, problem: str) -> InvalidOperatorFile:
        return InvalidOperatorFile(f"{self.path.name}: {self.where}: {problem}")

    def at(self, name: str) -> "_Field":
        return _Field(self.path, f"{self.where}.{name}")


def read_operator_file(path: Path) -> tuple[Numbering, tuple[OperatorProfile, ...]]:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidOperatorFile(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InvalidOperatorFile(f"{path.name}: not YAML ({exc})") from exc
    top = _Field(path, "(top level)")
    doc = _mapping(raw, top, allowed={"numbering", "operators"})
    numbering = _numbering(doc.get("numbering"), _Field(path, "numbering"))
    entries = doc.get("operators")
    if not isinstance(entries, list) or not entries:
        raise _Field(path, "operators").fail("expected a list of operator entries")
    profiles = tuple(_profile(e, _Field(path, f"operators[{i}]")) for i, e in enumerate(entries))
    _check_unique(profiles, _Field(path, "operators"))
    return numbering, profiles


def _mapping(value: object, field: _Field, *, allowed: set[str]) -> dict[str, object]:
    if not isinstance(value, dict):
        raise field.fail("expected a mapping")
    unknown = sorted(str(k) for k in value if k not in allowed and k != "_source")
    if unknown:
        raise field.fail(
            f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )
    return {str(k): v for k, v in value.items()}


def _numbering(value: object, field: _Field) -> Numbering:
    doc = _mapping(value, field, allowed=_NUMBERING_KEYS)
    area = _digits(doc.get("area_code"), field.at("area_code"))
    former = tuple(
        _digits(v, field.at(f"former_area_codes[{i}]"))
        for i, v in enumerate(
            _list(doc.get("former_area_codes", []), field.at("former_area_codes"))
        )
    )
    services = doc.get("service_prefixes", {})
    if not isinstance(services, dict):
        raise field.at("service_prefixes").fail("expected a mapping of prefix to kind")
    kinds: dict[str, str] = {}
    for prefix, kind in services.items():
        at = field.at(f"service_prefixes[{prefix!r}]")
        if not isinstance(kind, str) or not kind:
            raise at.fail("expected a kind such as toll_free")
        kinds[_digits(prefix, at)] = kind
    return Numbering(area, former, kinds)


def _profile(value: object, field: _Field) -> OperatorProfile:
    doc = _mapping(value, field, allowed=_ENTRY_KEYS)
    slug = doc.get("slug")
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        raise field.at("slug").fail(f"{slug!r} is not a kebab-case slug")
    field = _Field(field.path, f"{field.where} ({slug})")
    networks = _networks(doc.get("networks"), field.at("networks"))
    prefixes = _prefixes(doc.get("mobile_prefixes", []), field.at("mobile_prefixes"))
    if prefixes and "mobile" not in networks:
        raise field.at("mobile_prefixes").fail("mobile prefixes without a mobile network")
    patterns = _patterns(doc.get("label_patterns", []), field.at("label_patterns"))
    coverage = _coverage(doc, networks, field.at("cable_coverage"))
    return OperatorProfile(slug, networks, prefixes, patterns, coverage)


def _networks(value: object, field: _Field) -> tuple[str, ...]:
    names = _list(value, field)
    if not names:
        raise field.fail(f"expected at least one of {', '.join(NETWORKS)}")
    for name in names:
        if name not in NETWORKS:
            raise field.fail(f"{name!r} is not a network; known: {', '.join(NETWORKS)}")
    if len(set(names)) != len(names):
        raise field.fail("a network is listed twice")
    return tuple(str(n) for n in names)


def _prefixes(value: object, field: _Field) -> tuple[str, ...]:
    prefixes = _list(value, field)
    for prefix in prefixes:
        if not (
            isinstance(prefix, str) and len(prefix) == 3 and prefix.isdigit() and prefix[0] == "0"
        ):
            raise field.fail(f'{prefix!r} is not a quoted 3-digit national prefix such as "090"')
    return tuple(str(p) for p in prefixes)


def _patterns(value: object, field: _Field) -> tuple[str, ...]:
    patterns = _list(value, field)
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or not pattern:
            raise field.fail(f"[{i}] is not a regular expression")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise field.fail(f"[{i}] {pattern!r} does not compile ({exc})") from exc
    return tuple(str(p) for p in patterns)


def _coverage(
    doc: Mapping[str, object], networks: tuple[str, ...], field: _Field
) -> frozenset[str] | None:
    if "cable_coverage" not in doc:
        return None
    if "cable" not in networks:
        raise field.fail("cable coverage without a cable network")
    value = doc["cable_coverage"]
    if value == "all":
        return None
    wards = _list(value, field) if isinstance(value, list) else None
    if not wards or not all(isinstance(w, str) and w for w in wards):
        raise field.fail(f"expected `all` or a non-empty list of ward codes, not {value!r}")
    return frozenset(str(w) for w in wards)


def _check_unique(profiles: Sequence[OperatorProfile], field: _Field) -> None:
    slugs: set[str] = set()
    owners: dict[str, str] = {}
    for profile in profiles:
        if profile.slug in slugs:
            raise field.fail(f"{profile.slug} has two entries")
        slugs.add(profile.slug)
        for prefix in profile.mobile_prefixes:
            if prefix in owners:
                raise field.fail(f"prefix {prefix} is both {owners[prefix]}'s and {profile.slug}'s")
            owners[prefix] = profile.slug


def _list(value: object, field: _Field) -> list[object]:
    if not isinstance(value, list):
        raise field.fail(f"expected a list, not {value!r}")
    return value


def _digits(value: object, field: _Field) -> str:
    if not isinstance(value, str) or not value.isdigit():
        raise field.fail(f"{value!r} is not a quoted string of digits")
    return value
