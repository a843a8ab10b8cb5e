from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base

UNIT_KINDS = ("ioc", "division", "operator", "ward", "external")


class Unit(Base):
    """An organisational unit: a division of the department, the IOC, a telecom operator, a
    ward's people's committee (`ubnd-<ward code>`) or an agency outside the department."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(f"kind IN {UNIT_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(20))
    is_intake_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A ward's people's committee: the ward it serves (made by `triage wards load`).
    ward_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Where its tickets are delivered (see service.routing.delivery); none: it polls the API.
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
