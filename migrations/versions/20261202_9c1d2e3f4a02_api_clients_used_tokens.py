"""API client keys with usage counters; single-use tokens spent

Revision ID: 9c1d2e3f4a02
Revises: 9c1d2e3f4a01
Create Date: 2026-12-02 06:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c1d2e3f4a02"
down_revision: str | None = "9c1d2e3f4a01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=True),
        sa.Column("photo_bytes_per_day", sa.BigInteger(), nullable=True),
        sa.Column("is_dev", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("key_sha256", name=op.f("uq_api_clients_key_sha256")),
    )
    op.create_table(
        "api_client_usage",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_clients.id"],
            name=op.f("fk_api_client_usage_client_id_api_clients"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "kind", "window_start", name=op.f("pk_api_client_usage")),
        prefixes=["UNLOGGED"],
    )
    op.create_table(
        "used_tokens",
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "token_id", name=op.f("pk_used_tokens")),
    )
    op.create_index(op.f("ix_used_tokens_expires_at"), "used_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_used_tokens_expires_at"), table_name="used_tokens")
    op.drop_table("used_tokens")
    op.drop_table("api_client_usage")
    op.drop_table("api_clients")
