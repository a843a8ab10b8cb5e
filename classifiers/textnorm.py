"""Vietnamese text normalisation: NFC, case, diacritics folded, common abbreviations."""

import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d"})
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, diacritics stripped (đ → d), punctuation to spaces, spaces collapsed:
    "Phường Thuận Hóa," and "phuong thuan hoa" fold alike."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(stripped.lower()))


# Old ("hoá", "thuý") and new ("hóa", "thúy") tone placement in oa, oe, uy: one form.
_TONE_MOVES = {
    f"{a}{b_toned}": f"{a_toned}{b}"
    for a, b, marks in (("o", "a", "áàảãạ"), ("o", "e", "éèẻẽẹ"), ("u", "y", "ýỳỷỹỵ"))
    for b_toned, a_toned in zip(
        marks,
        {"o": "óòỏõọ", "u": "úùủũụ"}[a],
        strict=True,
    )
}
# "qu" is a consonant: "quý", "quà" keep their marks.
_TONE_PATTERN = re.compile("(?<![qQ])(?:" + "|".join(_TONE_MOVES) + ")")


def canonical_tones(text: str) -> str:
    """Put the tone mark of oa / oe / uy on the first vowel ("hoá" → "hóa")."""
    return _TONE_PATTERN.sub(lambda m: _TONE_MOVES[m.group(0)], nfc(text))
