"""routing: rule table versions, decisions, tickets and their events; units of wards and
delivery; operator keys

Revision ID: 9c1d2e3f4a06
Revises: 9c1d2e3f4a05
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9c1d2e3f4a06"
down_revision: str | None = "9c1d2e3f4a05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_OLD = "kind IN ('ioc', 'division', 'operator', 'external')"
_KINDS_NEW = "kind IN ('ioc', 'division', 'operator', 'ward', 'external')"
_ROLES_OLD = "role IN ('inspector', 'admin')"
_ROLES_NEW = "role IN ('operator', 'inspector', 'admin')"
_LIVE = "status IN ('open', 'acknowledged', 'in_progress')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_units_kind"), "units", type_="check")
    op.create_check_constraint(op.f("ck_units_kind"), "units", _KINDS_NEW)
    op.add_column("units", sa.Column("ward_code", sa.String(16), nullable=True))
    op.add_column("units", sa.Column("webhook_url", sa.String(500), nullable=True))
    op.add_column("units", sa.Column("webhook_secret", sa.String(200), nullable=True))
    op.add_column("units", sa.Column("email", sa.String(320), nullable=True))
    op.create_unique_constraint(op.f("uq_units_ward_code"), "units", ["ward_code"])

    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(op.f("ck_api_keys_role"), "api_keys", _ROLES_NEW)
    op.add_column(
        "api_keys",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", name=op.f("fk_api_keys_unit_id_units")), nullable=True),
    )
    op.create_check_constraint(
        "ck_api_keys_operator_unit", "api_keys", "(role = 'operator') = (unit_id IS NOT NULL)"
    )

    op.create_table(
        "routing_tables",
        sa.Column("version", sa.Integer(), autoincrement=False, primary_key=True),
        sa.Column("rules", postgresql.JSONB(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("case_id", sa.BigInteger(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("table_version", sa.Integer(), sa.ForeignKey("routing_tables.version"), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("track", sa.String(12), nullable=False),
        sa.Column("owning_unit", sa.String(64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("facts", postgresql.JSONB(), nullable=False),
        sa.Column("tickets", postgresql.JSONB(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("track IN ('immediate', 'timed', 'forward')", name=op.f("ck_routing_decisions_track")),
    )
    op.create_index("ix_routing_decisions_case_id", "routing_decisions", ["case_id"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("case_id", sa.BigInteger(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(14), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phones", postgresql.JSONB(), nullable=False),
        sa.Column("decision_id", sa.BigInteger(), sa.ForeignKey("routing_decisions.id"), nullable=True),
        sa.Column("handed_on", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('fix', 'claim', 'trace', 'removal', 'forward')", name=op.f("ck_tickets_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'acknowledged', 'in_progress', 'resolved', 'rejected', 'cancelled')",
            name=op.f("ck_tickets_status"),
        ),
    )
    op.create_index("ix_tickets_case_id", "tickets", ["case_id"])
    op.create_index("ix_tickets_unit_status_id", "tickets", ["unit_id", "status", "id"])
    op.create_index(
        "uq_tickets_live_case_unit_kind", "tickets", ["case_id", "unit_id", "kind"],
        unique=True, postgresql_where=sa.text(_LIVE),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("ticket_id", sa.BigInteger(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("from_status", sa.String(14), nullable=True),
        sa.Column("to_status", sa.String(14), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(), nullable=False),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("ticket_events")
    op.drop_table("tickets")
    op.drop_table("routing_decisions")
    op.drop_table("routing_tables")
    op.drop_constraint(op.f("ck_api_keys_operator_unit"), "api_keys", type_="check")
    op.execute("DELETE FROM api_keys WHERE role = 'operator'")
    op.drop_constraint(op.f("fk_api_keys_unit_id_units"), "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "unit_id")
    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(op.f("ck_api_keys_role"), "api_keys", _ROLES_OLD)
    op.drop_constraint(op.f("uq_units_ward_code"), "units", type_="unique")
    for column in ("email", "webhook_secret", "webhook_url", "ward_code"):
        op.drop_column("units", column)
    op.execute("DELETE FROM units WHERE kind = 'ward'")
    op.drop_constraint(op.f("ck_units_kind"), "units", type_="check")
    op.create_check_constraint(op.f("ck_units_kind"), "units", _KINDS_OLD)
