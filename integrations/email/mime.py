"""Reading real-world MIME without crashing: charsets that lie, HTML-only bodies, uuencode,
TNEF (winmail.dat), forwarded messages. Every function here returns something usable."""

import codecs
import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html.parser import HTMLParser

import tnefparse

logger = logging.getLogger(__name__)

# Charsets mail programs declare that Python spells differently, or wrongly.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "windows-1252",
}
# Tried in order when the declared charset is missing or wrong. windows-1258 is Vietnamese
# Windows; latin-1 last because it decodes any byte (so this never fails).
_FALLBACKS = ("utf-8", "windows-1258", "windows-1252", "latin-1")
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


def decode_text(data: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset if it exists and fits, else the fallbacks."""
    candidates: list[str] = []
    if declared:
        name = declared.strip().strip('"').lower()
        candidates.append(_CHARSET_ALIASES.get(name, name))
    candidates += [c for c in _FALLBACKS if c not in candidates]
    for charset in candidates:
        try:
            codecs.lookup(charset)
            # NFC: windows-1258 writes tones as combining marks; the rest of the service
            # (search, the classifier) expects composed Vietnamese.
            return unicodedata.normalize("NFC", data.decode(charset))
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # unreachable: latin-1 decodes anything


def part_bytes(part: Message) -> bytes:
    """The decoded payload (base64, quoted-printable, uuencode…), or b"" if there is none."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken encoding: fall back to the raw text
        logger.info("undecodable part payload", exc_info=True)
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def part_text(part: Message) -> str:
    return decode_text(part_bytes(part), part.get_content_charset())


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "td"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")
        elif tag == "a":  # keep map links: they may carry the location
            href = dict(attrs).get("href") or ""
            if href.startswith("http"):
                self.out.append(f" {href} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.out)
    except Exception:  # HTMLParser is lenient, but never let markup crash intake
        text = re.sub(r"<[^>]+>", " ", markup)
    text = html.unescape(text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def looks_like_image(data: bytes) -> bool:
    return data.startswith(_IMAGE_MAGIC[:2]) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str | None
    content_type: str
    data: bytes


def unpack_tnef(data: bytes, filename: str | None) -> tuple[list[Attachment], str]:
    """Attachments and body text of a winmail.dat; an undecodable one is kept as it is (some
    "winmail.dat" files are in fact plain images)."""
    try:
        tnef = tnefparse.TNEF(data)
    except Exception as exc:
        logger.info("not a TNEF file, kept as an attachment: %s", exc)
        return [Attachment(filename, "application/ms-tnef", data)], ""
    found = [
        Attachment(a.long_filename() or a.name, "application/octet-stream", a.data)
        for a in tnef.attachments
    ]
    body = tnef.body or b""
    text = decode_text(body, None) if isinstance(body, bytes) else str(body)
    if not text and tnef.htmlbody:
        html_body = tnef.htmlbody
        text = html_to_text(
            decode_text(html_body, None) if isinstance(html_body, bytes) else html_body
        )
    return found, text


def header(message: EmailMessage | Message, name: str) -> str:
    """A header as text; a malformed one becomes its raw text instead of an exception."""
    try:
        value = message.get(name)
    except Exception:
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    text = str(value)
    if "\ufffd" in text or _has_surrogates(text):
        text = _redecode_raw_header(message, name) or text
    return re.sub(r"\s+", " ", text).strip()


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _redecode_raw_header(message: Message, name: str) -> str | None:
    """Raw 8-bit bytes in a header (no RFC 2047 encoding): decode them with the fallbacks."""
    for key, raw in message.raw_items():
        if key.lower() == name.lower() and isinstance(raw, str):
            data = raw.encode("ascii", "surrogateescape")
            return decode_text(data, None)
    return None
