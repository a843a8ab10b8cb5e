"""Demo data for a first look: a few reports through the real intake, queued for processing."""

import io
import json
from collections.abc import Iterator
from fractions import Fraction

from PIL import Image, ImageDraw

from service.reports.service import IncomingPhoto, IncomingReport
from service.triage import pipeline
from service.wiring import Runtime

DEMO_CHANNEL = "demo"


def jpeg_with_gps(*, lat: float | None, lon: float | None, text: str = "") -> bytes:
    """A small JPEG, optionally carrying EXIF GPS, as a phone would take it."""
    img = Image.new("RGB", (640, 480), (190, 200, 210))
    draw = ImageDraw.Draw(img)
    for i in range(0, 640, 40):
        draw.line((i, 60, i + 200, 300), fill=(20, 20, 20), width=3)
    if text:
        draw.text((40, 400), text, fill=(0, 0, 0))
    exif = Image.Exif()
    if lat is not None and lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(abs(lat))
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(abs(lon))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = Fraction(round((minutes_full - minutes) * 60 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


_DEMO = [
    (
        "demo-1",
        "Dây cáp viễn thông chằng chịt, võng thấp ngang đường Lê Lợi, rất nguy hiểm",
        (16.45394, 107.58305),
        None,
    ),
    (
        "demo-2",
        "Quảng cáo khoan cắt bê tông dán đầy cột điện, sdt 0905 123 456",
        (16.4821, 107.57612),
        None,
    ),
    ("demo-3", "Cuộn cáp treo trên cột trước chợ, ảnh có vị trí", None, (16.47461, 107.60998)),
    ("demo-4", "Dây cáp rơi xuống đường gần cầu, không rõ vị trí chính xác", None, None),
    ("demo-5", "Cap treo lung tung o Da Nang (ngoai dia ban)", (16.0544, 108.2022), None),
]


def seed(runtime: Runtime) -> Iterator[str]:
    for external_id, text, sent, exif in _DEMO:
        photos: tuple[IncomingPhoto, ...] = ()
        if exif is not None:
            photos = (IncomingPhoto(jpeg_with_gps(lat=exif[0], lon=exif[1]), "pole.jpg"),)
        doc = {
            "external_id": external_id,
            "text": text,
            "location": {"lat": sent[0], "lon": sent[1]} if sent else None,
        }
        incoming = IncomingReport(
            channel=DEMO_CHANNEL,
            text=text,
            external_id=external_id,
            raw_body=json.dumps(doc, ensure_ascii=False).encode(),
            raw_content_type="application/json",
            payload=doc,
            lat=sent[0] if sent else None,
            lon=sent[1] if sent else None,
            photos=photos,
        )
        with runtime.session_factory() as session:
            accepted = pipeline.accept_report(
                session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
            )
            session.commit()
            state = "already there" if accepted.is_duplicate else "submitted"
            yield f"demo report {external_id} {state}: {accepted.tracking_code}"
    if runtime.settings.env == "dev":
        yield "inspector/admin token for the dev stack: TRIAGE_ADMIN_TOKEN=dev-admin-token"
