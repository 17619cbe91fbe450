"""audit log, and an index for the guessing limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:53:11.669352
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # who imported or unlocked what, and when (registration_bridge/audit.py)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_subject", sa.String(length=64), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("manager_id", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_manager_id", "audit_log", ["manager_id"])
    # the guessing limits count the last hour's failures: this index skips the (many) successful checks
    op.create_index("ix_verification_attempts_outcome_at", "verification_attempts", ["outcome", "at"])


def downgrade() -> None:
    op.drop_index("ix_verification_attempts_outcome_at", table_name="verification_attempts")
    op.drop_index("ix_audit_log_manager_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
