from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class RawInput(Base):
    """One thing a channel adapter received (a webhook body, an e-mail, a form post),
    stored before it is parsed, so nothing a citizen sent is ever lost to a parser bug.

    status: `received` (stored, not parsed yet), `accepted` (became report_id),
    `duplicate` (a re-send of report_id), `ignored` (deliberately not a report: a bounce,
    an auto-reply; reason says why) or `failed` (reason says why; admins see it).
    """

    __tablename__ = "raw_inputs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    content_type: Mapped[str] = mapped_column(String(200))
    # Inline when small, else only the sha256 of a file in the media store.
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_size: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(20), index=True, default="received")
    reason: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsedToken(Base):
    """A single-use token (a form's anti-CSRF token) that was spent, kept until it would
    have expired anyway: shared by every API process, so a replay is refused everywhere."""

    __tablename__ = "used_tokens"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
