"""Which ward or commune a report names, when it has no coordinates.

Knows the current names of the units and the former units merged into them (2025), with and
without diacritics. Precision first: a bare name counts only if it is unambiguous and at
least two words long; otherwise it must follow a unit word ("phường", "xã", "P.", "thị trấn").
A name that points to two units is no answer, unless its unit word tells them apart:
"phường Phú Xuân" is today's ward, "xã Phú Xuân" the commune merged into Phú Hồ.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from classifiers.textnorm import canonical_tones, fold, nfc

# Unit words as folded, and the kind of unit each names.
_KIND_OF_WORD = {"phuong": "phuong", "p": "phuong", "xa": "xa", "thi tran": "thi tran",
                 "tt": "thi tran"}  # fmt: skip
_STREET_WORDS = ("duong", "pho", "kiet", "hem", "ngo", "tuyen", "dai lo")
_TYPE_PREFIX = re.compile(r"^(phuong|xa|thi tran)\s+")
_TYPE_PREFIX_VI = re.compile(r"^(phường|xã|thị trấn)\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    former: tuple[str, ...] = ()  # "Xã Hồng Thủy", "Phường Vỹ Dạ"…
    kind: str = ""  # "Phường", "Xã", "Thị trấn"


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    code: str
    name: str  # the current unit's name
    said: str  # the name as folded in the text
    former: bool  # named by a unit merged into it
    with_unit_word: bool


class PlaceIndex:
    def __init__(self, units: Iterable[Unit]) -> None:
        units = list(units)
        self._names = {unit.code: unit.name for unit in units}
        # With diacritics first ("Thuận Hóa" ≠ "Thuận Hòa"), then folded for people who
        # type without them (where "thuan hoa" names two units: no answer).
        self._exact = _Names(units, lower)
        self._folded = _Names(units, fold)

    def find(self, text: str) -> PlaceMatch | None:
        for names in (self._exact, self._folded):
            found = names.find(text, self._names)
            if found is not None:
                return found
        return None


class _Names:
    def __init__(self, units: list[Unit], normalise: Callable[[str], str]) -> None:
        self._normalise = normalise
        # name → unit code → (is a former name, kind of unit)
        owners: dict[str, dict[str, tuple[bool, str]]] = defaultdict(dict)
        for unit in units:
            for old in unit.former:
                owners[self._bare(old)].setdefault(unit.code, (True, _kind(old)))
            owners[self._bare(unit.name)][unit.code] = (False, fold(unit.kind))  # current wins
        # A name shared by several units is ambiguous: no answer from it alone…
        self._owner = {
            name: (code, former)
            for name, codes in owners.items()
            if len(codes) == 1 and name
            for code, (former, _) in codes.items()
        }
        # …but its unit word may tell them apart.
        by_kind: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
        for name, codes in owners.items():
            for code, (former, kind) in codes.items():
                if kind:
                    by_kind[(name, kind)].append((code, former))
        self._by_kind = {key: hits[0] for key, hits in by_kind.items() if len(hits) == 1}
        self._longest_first = sorted((n for n in owners if n), key=len, reverse=True)

    def _bare(self, name: str) -> str:
        return _TYPE_PREFIX.sub("", fold(name)) if self._normalise is fold else _strip_type(name)

    def find(self, text: str, current_names: dict[str, str]) -> PlaceMatch | None:
        normalised = f" {self._normalise(text)} "
        folded_words = fold(text).split()
        found: list[PlaceMatch] = []
        for name in self._longest_first:
            for m in re.finditer(rf"(?<= ){re.escape(name)}(?= )", normalised):
                words_before = len(normalised[: m.start()].split())
                before = folded_words[max(0, words_before - 2) : words_before]
                kind = _unit_word_kind(before)
                street = bool(before) and before[-1] in _STREET_WORDS
                if street or (kind is None and len(name.split()) < 2):
                    continue  # "đường Phú Hội" is a street, anywhere
                owner = self._owner.get(name) or (self._by_kind.get((name, kind)) if kind else None)
                if owner is None:
                    continue  # a name several units share, and nothing tells them apart
                code, former = owner
                found.append(PlaceMatch(code, current_names[code], name, former, kind is not None))
        if not found:
            return None
        if len({f.code for f in found}) > 1:
            # Several units named: trust one written with its unit word, if only one is.
            explicit = {f.code for f in found if f.with_unit_word}
            if len(explicit) != 1:
                return None
            found = [f for f in found if f.code in explicit]
        return max(found, key=lambda f: (f.with_unit_word, not f.former, len(f.said)))


def _unit_word_kind(before: list[str]) -> str | None:
    """The kind of unit named by the word(s) just before a name ("thị trấn", "P."), if any."""
    for n in (2, 1):
        if len(before) >= n and (kind := _KIND_OF_WORD.get(" ".join(before[-n:]))):
            return kind
    return None


def _kind(name: str) -> str:
    """The kind a former unit's name starts with: "Xã Phú Xuân" → "xa"."""
    match = _TYPE_PREFIX.match(fold(name))
    return match.group(1) if match else ""


def lower(text: str) -> str:
    """Lower-case with diacritics kept, punctuation to spaces."""
    return " ".join(_WORD.findall(canonical_tones(nfc(text).lower())))


def _strip_type(name: str) -> str:
    return _TYPE_PREFIX_VI.sub("", lower(name))


def _bare(name: str) -> str:
    return _TYPE_PREFIX.sub("", fold(name))
