"""reports: partial index on follow_up_code (each report looks for follow-ups of itself)

Revision ID: 9c1d2e3f4a04
Revises: 9c1d2e3f4a03
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c1d2e3f4a04"
down_revision: str | None = "9c1d2e3f4a03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reports_follow_up_code",
        "reports",
        ["follow_up_code"],
        postgresql_where=sa.text("follow_up_code IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reports_follow_up_code", table_name="reports")
