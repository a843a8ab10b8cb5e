"""partial indexes: the outbox queue, report thread and case

Indexes on columns that are NULL for most new rows cost every intake an index insert for
nothing; partial indexes keep only the rows the queries look for.

Revision ID: 5c1e0f3a9b7d
Revises: 2392b54c72d8
Create Date: 2026-12-01 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0f3a9b7d"
down_revision: str | None = "2392b54c72d8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_messages_completed_at", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_dead_at", table_name="outbox_messages")
    op.create_index(
        "ix_outbox_messages_unfinished",
        "outbox_messages",
        ["id"],
        postgresql_where=sa.text("completed_at IS NULL AND dead_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_messages_dead",
        "outbox_messages",
        ["id"],
        postgresql_where=sa.text("dead_at IS NOT NULL AND completed_at IS NULL"),
    )
    for column in ("thread_id", "case_id"):
        op.drop_index(f"ix_reports_{column}", table_name="reports")
        op.create_index(
            f"ix_reports_{column}",
            "reports",
            [column],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    for column in ("thread_id", "case_id"):
        op.drop_index(f"ix_reports_{column}", table_name="reports")
        op.create_index(f"ix_reports_{column}", "reports", [column])
    op.drop_index("ix_outbox_messages_dead", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_unfinished", table_name="outbox_messages")
    op.create_index("ix_outbox_messages_dead_at", "outbox_messages", ["dead_at"])
    op.create_index("ix_outbox_messages_completed_at", "outbox_messages", ["completed_at"])
