from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class OutboxMessage(Base):
    """A task to run, written in the same transaction as the work that asks for it.

    The relay (service.outbox.service.relay) sends it to the broker after commit, and sends
    it again if a run started and did not complete in time, or if it never started long
    after it was sent, so a broker outage, a lost message or a dead worker delays work but
    never loses it.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The relay's queue: only unfinished live messages are indexed, so the index stays
        # small and a finished message leaves it.
        Index(
            "ix_outbox_messages_unfinished",
            "id",
            postgresql_where=text("completed_at IS NULL AND dead_at IS NULL"),
        ),
        Index(
            "ix_outbox_messages_dead",
            "id",
            postgresql_where=text("dead_at IS NOT NULL AND completed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    # When a run of the task last began (set by the worker in its own committed transaction
    # before the task body runs; cleared by each dispatch). NULL with dispatched_at set: the
    # message is still waiting in the broker, or the broker lost it.
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when the task gave up after its last retry: the relay leaves it alone until an
    # admin replays it (`triage outbox replay`).
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replay_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
