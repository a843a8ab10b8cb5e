from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, false, func
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class ApiClient(Base):
    """A client of POST /api/v1/reports; only its key's sha256 is stored. Limits left NULL
    take the settings' defaults."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    per_minute: Mapped[int | None] = mapped_column(Integer)
    photo_bytes_per_day: Mapped[int | None] = mapped_column(BigInteger)
    # Made by `triage clients ensure-dev`: refused when TRIAGE_ENV=prod.
    is_dev: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiClientUsage(Base):
    """What a client used in one window (kind `requests`: a minute; `photo_bytes`: a UTC
    day). UNLOGGED: counters need no crash safety, and skipping the WAL keeps them cheap."""

    __tablename__ = "api_client_usage"
    __table_args__ = {"prefixes": ["UNLOGGED"]}  # noqa: RUF012

    client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger)
