"""Accept a report exactly as received: store it, its photos and its raw body in one go."""

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from geoalchemy2.shape import to_shape
from sqlalchemy import Connection, Select, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from classifiers.phones import PhoneNumber
from service.errors import InvalidPhoto, ReportNotFound
from service.geo import point
from service.inputs import without_nul
from service.outbox import service as outbox
from service.reports.blobs import BlobStore
from service.reports.models import Photo, Report, ReportPhone
from service.reports.photos import PhotoInfo, PhotoRejected, inspect_photo

logger = logging.getLogger(__name__)
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U


@dataclass(frozen=True, slots=True)
class IncomingPhoto:
    data: bytes
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingReport:
    channel: str
    text: str
    raw_body: bytes
    raw_content_type: str
    payload: dict[str, Any]
    external_id: str | None = None
    thread_id: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_source: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    submitted_at: datetime | None = None
    photos: tuple[IncomingPhoto, ...] = field(default_factory=tuple)
    # The tracking code of an earlier report this one follows up (e.g. in a reply's
    # subject): it joins that report's case, whatever the channel.
    follow_up_of: str | None = None


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True, slots=True)
class Accepted:
    report_id: int
    tracking_code: str
    is_duplicate: bool


INLINE_RAW_BODY_MAX = 64 * 1024
_CODE_ATTEMPTS = 5
_INSERTED_COLUMNS = (
    "channel",
    "external_id",
    "thread_id",
    "submitted_at",
    "text",
    "address_text",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "location",
    "location_source",
    "location_accuracy_m",
    "raw_content_type",
    "raw_body",
    "raw_body_sha256",
    "raw_body_size",
    "payload",
    "follow_up_code",
    "tracking_code",
)


@functools.cache
def _insert_report(then_queue: str | None) -> Select[tuple[int]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, plus, when `then_queue` names a task, the
    outbox message for the new row in the same statement (one round trip, one atomic write).

    Built once per task: the intake is the hottest path, and a Core statement with bound
    parameters skips the ORM's per-call statement building.
    """
    table = cast(Table, Report.__table__)
    new_report = (
        insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in _INSERTED_COLUMNS})
        .on_conflict_do_nothing()
        .returning(Report.id)
        .cte("new_report")
    )
    stmt = select(new_report.c.id)
    if then_queue is not None:
        queued = outbox.message_per_row(new_report, task_name=then_queue, id_kwarg="report_id")
        stmt = stmt.add_cte(queued.cte("queued"))
    return stmt


_CODE_LENGTH = 8
_CODE_SPACE = len(_CODE_ALPHABET) ** _CODE_LENGTH  # 30^8 ≈ 6.6e11


def new_tracking_code() -> str:
    """HUE-XXXX-XXXX from one unbiased random draw (one syscall, not one per character)."""
    n = secrets.randbelow(_CODE_SPACE)
    chars = []
    for _ in range(_CODE_LENGTH):
        n, digit = divmod(n, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[digit])
    return f"HUE-{''.join(chars[:4])}-{''.join(chars[4:])}"


def accept_report(
    db: Session | Connection,
    *,
    incoming: IncomingReport,
    blobs: BlobStore,
    limits: PhotoLimits,
    then_queue: str | None = None,
) -> Accepted:
    """Store a new report, or return the first one for a re-sent channel + external id.

    `then_queue` names a task to record in the outbox for a new report (never for a
    re-send), with `report_id` as its argument. Photos are checked before anything is
    written. The raw body is kept verbatim: inline when small, else in the
    content-addressed store (a rolled-back transaction leaves at most an unreferenced
    file there, never a half-written report).
    """
    infos = [_inspect(i, p, limits) for i, p in enumerate(incoming.photos)]
    values = _report_values(incoming, blobs)
    # Core on a Connection: this is the intake's hot path (an ORM Session costs ~0.3 ms more).
    conn = db.connection() if isinstance(db, Session) else db
    statement = _insert_report(then_queue)
    for _ in range(_CODE_ATTEMPTS):
        code = new_tracking_code()
        row = conn.execute(statement, {**values, "tracking_code": code}).first()
        if row is not None:
            _insert_photos(conn, row.id, incoming.photos, infos, blobs)
            return Accepted(row.id, code, is_duplicate=False)
        if incoming.external_id is not None:
            first = conn.execute(
                select(Report.id, Report.tracking_code).where(
                    Report.channel == incoming.channel, Report.external_id == incoming.external_id
                )
            ).first()
            if first is not None:
                return Accepted(first.id, first.tracking_code, is_duplicate=True)
    raise RuntimeError("could not draw an unused tracking code")


def add_photos(
    db: Session | Connection,
    *,
    report_id: int,
    photos: tuple[IncomingPhoto, ...],
    blobs: BlobStore,
    limits: PhotoLimits,
) -> list[str]:
    """Attach photos that arrived after the report (fetched by URL). A photo that fails the
    checks is skipped; the reasons are returned."""
    conn = db.connection() if isinstance(db, Session) else db
    start = conn.execute(
        select(func.count()).select_from(Photo).where(Photo.report_id == report_id)
    ).scalar_one()
    kept: list[tuple[IncomingPhoto, PhotoInfo]] = []
    problems: list[str] = []
    for index, photo in enumerate(photos):
        try:
            kept.append((photo, _inspect(index, photo, limits)))
        except InvalidPhoto as exc:
            problems.append(exc.detail)
    _insert_photos(
        conn, report_id, tuple(p for p, _ in kept), [i for _, i in kept], blobs, start=start
    )
    return problems


def _inspect(index: int, photo: IncomingPhoto, limits: PhotoLimits) -> PhotoInfo:
    try:
        return inspect_photo(photo.data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    except PhotoRejected as exc:
        name = f" ({photo.filename})" if photo.filename else ""
        raise InvalidPhoto(f"Photo {index + 1}{name}: {exc}.", index=index, kind=exc.kind) from exc


def _report_values(incoming: IncomingReport, blobs: BlobStore) -> dict[str, Any]:
    incoming = _clean_text(incoming)
    has_location = incoming.lat is not None and incoming.lon is not None
    raw = incoming.raw_body
    inline = len(raw) <= INLINE_RAW_BODY_MAX
    return {
        "channel": incoming.channel,
        "external_id": incoming.external_id,
        "thread_id": incoming.thread_id,
        "submitted_at": incoming.submitted_at,
        "text": incoming.text,
        "address_text": incoming.address,
        "reporter_name": incoming.reporter_name,
        "reporter_phone": incoming.reporter_phone,
        "reporter_email": incoming.reporter_email,
        "location": point(lat=incoming.lat, lon=incoming.lon) if has_location else None,  # type: ignore[arg-type]
        "location_source": (incoming.location_source or "device_gps") if has_location else None,
        "location_accuracy_m": incoming.accuracy_m if has_location else None,
        "raw_content_type": incoming.raw_content_type,
        "raw_body": raw if inline else None,
        "raw_body_sha256": hashlib.sha256(raw).hexdigest() if inline else blobs.put(raw),
        "raw_body_size": len(raw),
        "payload": incoming.payload,
        "follow_up_code": incoming.follow_up_of,
    }


def _clean_text(incoming: IncomingReport) -> IncomingReport:
    """No NUL characters reach PostgreSQL (text and jsonb refuse them)."""
    fields = ("text", "address", "reporter_name", "reporter_phone", "reporter_email")
    changes = {f: without_nul(getattr(incoming, f)) for f in fields}
    return replace(incoming, payload=without_nul(incoming.payload), **changes)


def _insert_photos(
    conn: Connection,
    report_id: int,
    photos: tuple[IncomingPhoto, ...],
    infos: list[PhotoInfo],
    blobs: BlobStore,
    *,
    start: int = 0,
) -> None:
    if not photos:
        return
    rows = []
    for position, (photo, info) in enumerate(zip(photos, infos, strict=True), start=start):
        has_gps = info.gps_lat is not None and info.gps_lon is not None
        rows.append(
            {
                "report_id": report_id,
                "position": position,
                "sha256": blobs.put(photo.data),
                "mime_type": info.mime_type,
                "size_bytes": len(photo.data),
                "width": info.width,
                "height": info.height,
                "original_filename": photo.filename[:255] if photo.filename else None,
                "exif_location": point(lat=info.gps_lat, lon=info.gps_lon) if has_gps else None,  # type: ignore[arg-type]
                "exif_taken_at": info.taken_at,
            }
        )
    conn.execute(insert(cast(Table, Photo.__table__)), rows)


def record_phones(db: Session, *, report_id: int, phones: list[PhoneNumber]) -> int:
    """Store numbers read from a report (idempotent per report, number and source)."""
    if not phones:
        return 0
    rows = [
        {
            "report_id": report_id,
            "e164": p.e164,
            "kind": p.kind,
            "carrier_hint": p.carrier_hint,
            "source": p.source[:60],
            "span_start": p.start,
            "span_end": p.end,
            "raw": p.raw[:100],
        }
        for p in phones
    ]
    stmt = insert(cast(Table, ReportPhone.__table__)).on_conflict_do_nothing()
    return int(db.execute(stmt, rows).rowcount)  # type: ignore[attr-defined]


def phones_of(session: Session, *, report_ids: list[int]) -> list[ReportPhone]:
    return list(
        session.scalars(
            select(ReportPhone)
            .where(ReportPhone.report_id.in_(report_ids))
            .order_by(ReportPhone.report_id, ReportPhone.id)
        )
    )


def raw_body(report: Report, blobs: BlobStore) -> bytes:
    """The request body exactly as received."""
    return report.raw_body if report.raw_body is not None else blobs.read(report.raw_body_sha256)


def find_by_external_id(session: Session, *, channel: str, external_id: str) -> Report | None:
    return session.scalar(
        select(Report).where(Report.channel == channel, Report.external_id == external_id)
    )


def get_report(session: Session, *, report_id: int, for_update: bool = False) -> Report:
    stmt = select(Report).where(Report.id == report_id).options(selectinload(Report.photos))
    if for_update:
        stmt = stmt.with_for_update(of=Report)
    report = session.scalar(stmt)
    if report is None:
        raise ReportNotFound(f"Report {report_id} does not exist.")
    return report


def lat_lon(geom: Any) -> tuple[float, float] | None:
    if geom is None:
        return None
    shp = to_shape(geom)
    return float(shp.y), float(shp.x)
