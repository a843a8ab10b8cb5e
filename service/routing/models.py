from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base

TRACKS = ("immediate", "timed", "forward")
TICKET_KINDS = ("fix", "claim", "trace", "removal", "forward")
TICKET_STATUSES = ("open", "acknowledged", "in_progress", "resolved", "rejected", "cancelled")
LIVE_TICKET_STATUSES = ("open", "acknowledged", "in_progress")


class RoutingTable(Base):
    """One version of the ordered routing rules. A change writes a new version (who, when,
    why, the whole table); the newest is in force, the older ones are the audit trail."""

    __tablename__ = "routing_tables"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoutingDecision(Base):
    """What the rules decided for a case: the rule that fired, why, and the facts it saw."""

    __tablename__ = "routing_decisions"
    __table_args__ = (CheckConstraint(f"track IN {TRACKS!r}", name="track"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    table_version: Mapped[int] = mapped_column(ForeignKey("routing_tables.version"))
    rule: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    track: Mapped[str] = mapped_column(String(12))
    owning_unit: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    tickets: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # what it asked for
    actor: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Ticket(Base):
    """Work a unit outside the owning one is asked to do on a case (fix a cable, claim it,
    trace a number, take an ad down, take a forwarded case)."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"kind IN {TICKET_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {TICKET_STATUSES!r}", name="status"),
        # One live ticket of a kind per unit and case: a report joining the case, a retried
        # task or a re-route never opens the same ticket twice.
        Index(
            "uq_tickets_live_case_unit_kind",
            "case_id",
            "unit_id",
            "kind",
            unique=True,
            postgresql_where=text("status IN ('open', 'acknowledged', 'in_progress')"),
        ),
        Index("ix_tickets_unit_status_id", "unit_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(14), default="open")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    phones: Mapped[list[str]] = mapped_column(JSONB, default=list)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("routing_decisions.id"))
    # A rejected ticket whose work went on in another ticket (claims to the other operators,
    # a trace to the carrier the answer named): it no longer holds the case back.
    handed_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """Append-only history of a ticket: every move, who made it and when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(14))
    to_status: Mapped[str] = mapped_column(String(14))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
