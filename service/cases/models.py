from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.geo import SRID

CATEGORIES = ("unclassified", "cable", "ad", "other")
SUBTYPES: dict[str, tuple[str, ...]] = {
    "cable": ("tangled", "low_or_sagging", "fallen_or_broken", "pole_or_box", "abandoned"),
    "ad": ("drilling", "septic", "loans", "moving", "tutoring", "jobs", "real_estate", "other"),
    "other": (),
}
STATUSES = (
    "new",
    "triaged",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "rejected",
    "reopened",
)
PRIORITIES = ("normal", "urgent")
LOCATION_MATCHES = ("inside", "approximate", "outside", "named", "missing")


class Case(Base):
    """One real-world problem; several reports may point at it."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES!r}", name="category"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"priority IN {PRIORITIES!r}", name="priority"),
        CheckConstraint(f"location_match IN {LOCATION_MATCHES!r}", name="location_match"),
        Index(
            "ix_cases_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), default="unclassified", index=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    # What the classifier decided, and how sure it was; below the threshold (or with no
    # model) the case waits in the manual triage queue.
    subtype: Mapped[str | None] = mapped_column(String(30))
    category_confidence: Mapped[float | None] = mapped_column()
    model_version: Mapped[str | None] = mapped_column(String(60))
    manual_triage: Mapped[bool] = mapped_column(default=False, server_default="false", index=True)
    # The cable's operator named in the reports (a unit slug); None when unknown.
    operator_slug: Mapped[str | None] = mapped_column(String(64))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    location: Mapped[Any | None] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True))
    location_match: Mapped[str] = mapped_column(String(12))
    distance_to_ward_m: Mapped[float | None] = mapped_column()
    owning_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    search_text: Mapped[str] = mapped_column(Text, default="")

    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """Append-only history of a case: who did what, when, and the before/after values."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    before: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    # The event (its status move) appears on the public timeline and in status callbacks.
    is_public: Mapped[bool] = mapped_column(default=False)
    # The note is written for the citizen; otherwise it stays with the staff, even on a
    # public event.
    note_is_public: Mapped[bool] = mapped_column(default=False, server_default="false")

    case: Mapped[Case] = relationship(back_populates="events")
