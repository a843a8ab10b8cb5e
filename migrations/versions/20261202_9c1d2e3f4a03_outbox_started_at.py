"""outbox: started_at, when a task run last began (the relay resends by it)

Revision ID: 9c1d2e3f4a03
Revises: 9c1d2e3f4a02
Create Date: 2026-12-02 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c1d2e3f4a03"
down_revision: str | None = "9c1d2e3f4a02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox_messages", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("outbox_messages", "started_at")
