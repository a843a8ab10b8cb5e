from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base

UNIT_KINDS = ("ioc", "division", "operator", "external")


class Unit(Base):
    """An organisational unit: a division of the department, the IOC, or a telecom operator."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint(f"kind IN {UNIT_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(20))
    is_intake_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
