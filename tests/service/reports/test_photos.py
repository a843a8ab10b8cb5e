import io
import struct
import zlib

import pytest
from PIL import Image

from service.demo import jpeg_with_gps
from service.reports.photos import PhotoRejected, inspect_photo

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 20_000_000}


def png_bytes(width: int = 32, height: int = 16) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 0, 0)).save(out, "PNG")
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size: a decompression bomb's calling card."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(chunk) + _chunk(idat) + _chunk(b"IEND")


def _chunk(tagged: bytes) -> bytes:
    return struct.pack(">I", len(tagged) - 4) + tagged + struct.pack(">I", zlib.crc32(tagged))


def test_inspect_photo_reads_exif_gps_from_a_phone_jpeg() -> None:
    info = inspect_photo(jpeg_with_gps(lat=16.47461, lon=107.60998), **LIMITS)
    assert info.mime_type == "image/jpeg"
    assert (info.width, info.height) == (640, 480)
    assert info.gps_lat == pytest.approx(16.47461, abs=1e-5)
    assert info.gps_lon == pytest.approx(107.60998, abs=1e-5)


def test_inspect_photo_without_gps_has_no_location() -> None:
    info = inspect_photo(jpeg_with_gps(lat=None, lon=None), **LIMITS)
    assert info.gps_lat is None
    assert info.gps_lon is None


def test_inspect_photo_accepts_png() -> None:
    assert inspect_photo(png_bytes(), **LIMITS).mime_type == "image/png"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image", "not a JPEG, PNG or WebP"),
        (b"GIF89a" + b"\0" * 20, "not a JPEG, PNG or WebP"),
        (jpeg_with_gps(lat=None, lon=None)[:300], "cannot be decoded"),
        (png_header_claiming(100_000, 100_000), "pixels"),
        (png_header_claiming(6_000, 6_000), "pixels"),
    ],
)
def test_inspect_photo_rejects_bad_files(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoRejected, match=reason):
        inspect_photo(data, **LIMITS)


def test_inspect_photo_rejects_files_over_the_byte_cap() -> None:
    with pytest.raises(PhotoRejected, match="limit"):
        inspect_photo(png_bytes(), max_bytes=10, max_pixels=100)
