from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.geo import SRID

# device GPS; a photo's EXIF; a point tapped on the portal's map; coordinates or a map link
# written in the text; a geocoded address.
LOCATION_SOURCES = ("device_gps", "photo_exif", "map", "text", "address")


class Report(Base):
    """One intake exactly as received, from any channel. Reporter fields are personal data."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_reports_channel_external_id"),
        # Partial: most reports have no thread and, at intake, no case yet; an index entry
        # per NULL would cost every intake an insert for nothing.
        Index(
            "ix_reports_thread_id", "thread_id", postgresql_where=sql_text("thread_id IS NOT NULL")
        ),
        Index("ix_reports_case_id", "case_id", postgresql_where=sql_text("case_id IS NOT NULL")),
        # Every report looks for follow-ups of its own tracking code (service.reports.threads).
        Index(
            "ix_reports_follow_up_code",
            "follow_up_code",
            postgresql_where=sql_text("follow_up_code IS NOT NULL"),
        ),
        CheckConstraint(
            f"location_source IS NULL OR location_source IN {LOCATION_SOURCES!r}",
            name="location_source",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # An earlier report's tracking code this one follows up; it joins that report's case.
    follow_up_code: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    address_text: Mapped[str | None] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(40))
    reporter_email: Mapped[str | None] = mapped_column(String(320))
    location: Mapped[Any | None] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    location_source: Mapped[str | None] = mapped_column(String(20))
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    raw_content_type: Mapped[str] = mapped_column(String(200))
    # Verbatim body: inline when small, else in the media store under raw_body_sha256.
    raw_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_body_sha256: Mapped[str] = mapped_column(String(64))
    raw_body_size: Mapped[int] = mapped_column(Integer)
    # What the channel sent that has no column of its own (service code, photo names…).
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An inspector has read the report's own words (text, address) and allowed them on
    # public surfaces; until then only its code, status, ward and a rounded point are shown.
    is_publishable: Mapped[bool] = mapped_column(default=False, server_default="false")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))

    photos: Mapped[list["Photo"]] = relationship(
        back_populates="report", order_by="Photo.position", cascade="all, delete-orphan"
    )


class Photo(Base):
    """A photo of a report; the file lives in the media store under its sha256."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("report_id", "position", name="uq_photos_report_position"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    exif_location: Mapped[Any | None] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False)
    )
    exif_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    report: Mapped[Report] = relationship(back_populates="photos")


class ReportPhone(Base):
    """A phone number read from a report (its text, or later a photo), with where it was
    found, so an inspector can check it. Only ever a number of the exact Vietnamese shape."""

    __tablename__ = "report_phones"
    __table_args__ = (
        UniqueConstraint("report_id", "e164", "source", name="uq_report_phones_report_number"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    carrier_hint: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(60))  # "text", "address", "photo:1/box:3"
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(String(100))


class PhotoAnalysis(Base):
    """What was read off a photo (OCR lines with boxes and scores) and measured on it (the
    photo model's features). Keyed by content: the same photo sent twice is read once."""

    __tablename__ = "photo_analyses"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    engine: Mapped[str] = mapped_column(String(80))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    features: Mapped[dict[str, float]] = mapped_column(JSONB)
    seconds: Mapped[float] = mapped_column(Float)
    analysed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
