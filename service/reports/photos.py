"""Check an uploaded photo before keeping it: real image bytes, bounded size and pixels."""

import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 36867
_UTC7 = timedelta(hours=7)


class PhotoRejected(ValueError):
    """The bytes are not an acceptable photo; the message says why, `kind` says it for a
    translation: empty, too_large, too_many_pixels, not_image or undecodable."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class PhotoInfo:
    mime_type: str
    width: int
    height: int
    gps_lat: float | None
    gps_lon: float | None
    taken_at: datetime | None


def sniff_mime(data: bytes) -> tuple[str, str] | None:
    for magic, mime, fmt in _MAGIC:
        if data.startswith(magic):
            return mime, fmt
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "WEBP"
    return None


def inspect_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> PhotoInfo:
    if not data:
        raise PhotoRejected("the file is empty", kind="empty")
    if len(data) > max_bytes:
        raise PhotoRejected(
            f"the file is {len(data)} bytes; the limit is {max_bytes}", kind="too_large"
        )
    sniffed = sniff_mime(data)
    if sniffed is None:
        raise PhotoRejected(
            "not a JPEG, PNG or WebP image (checked by its content)", kind="not_image"
        )
    mime, fmt = sniffed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = img.size
            if width * height > max_pixels:
                raise PhotoRejected(
                    f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels",
                    kind="too_many_pixels",
                )
            exif = img.getexif()
            if fmt == "JPEG":
                img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            img.load()
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(
            f"the image has too many pixels; the limit is {max_pixels}", kind="too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as exc:
        raise PhotoRejected(
            f"the image cannot be decoded ({type(exc).__name__})", kind="undecodable"
        ) from exc
    lat, lon = _gps(exif)
    return PhotoInfo(mime, width, height, lat, lon, _taken_at(exif))


def _gps(exif: Any) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(_GPS_IFD)
        lat = _dms(gps[2], gps.get(1, "N"), "S")
        lon = _dms(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def _dms(value: Any, ref: Any, negative: str) -> float:
    d, m, s = (float(v) for v in value)
    decimal = d + m / 60 + s / 3600
    ref_text = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -decimal if ref_text.strip().upper() == negative else decimal


def _taken_at(exif: Any) -> datetime | None:
    try:
        raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)
        if not raw:
            return None
        # EXIF has no zone; phones in Huế record local time (UTC+7).
        local = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        return (local.replace(tzinfo=UTC) - _UTC7).astimezone(UTC)
    except (ValueError, TypeError, AttributeError):
        return None


def without_metadata(data: bytes, mime_type: str) -> bytes:
    """The picture re-encoded with no metadata at all (EXIF: GPS, device, time; XMP; ICC
    text), for eyes outside the department. Orientation is applied first, so nothing is lost
    with the tag."""

    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}.get(mime_type, "JPEG")
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
        mode = "RGB" if fmt == "JPEG" and upright.mode not in ("RGB", "L") else upright.mode
        clean = Image.new(mode, upright.size)
        clean.paste(upright.convert(mode))
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()
