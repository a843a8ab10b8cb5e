"""note visibility on case events; reports an inspector marked publishable

Every existing note becomes internal: until now a note on a public event was shown to the
public whatever it said, and no one chose that. No existing report is publishable.

Revision ID: 9c1d2e3f4a01
Revises: 8e4b7c2d1f60
Create Date: 2026-12-02 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c1d2e3f4a01"
down_revision: str | None = "8e4b7c2d1f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default fills every existing row: all notes so far are internal.
    op.add_column(
        "case_events",
        sa.Column("note_is_public", sa.Boolean(), server_default="false", nullable=False),
    )
    # Notes a downgrade set aside (below) come back as internal notes.
    op.execute(
        "UPDATE case_events SET note = after ->> 'internal_note', after = after - 'internal_note'"
        " WHERE after ? 'internal_note'"
    )
    op.add_column(
        "reports",
        sa.Column("is_publishable", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    # The old code publishes every note of a public event: set the internal ones aside in
    # `after` (still shown to staff in the case history, restored by the upgrade).
    op.execute(
        "UPDATE case_events"
        " SET after = after || jsonb_build_object('internal_note', note), note = NULL"
        " WHERE is_public AND NOT note_is_public AND note IS NOT NULL"
    )
    op.drop_column("reports", "is_publishable")
    op.drop_column("case_events", "note_is_public")
