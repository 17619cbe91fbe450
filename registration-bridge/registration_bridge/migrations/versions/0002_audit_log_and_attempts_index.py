"""audit log, and indexes for the guessing limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:53:11.669352
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
FAILED = "outcome IN ('unknown_payer', 'wrong_bill_password')"
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
    # the guessing limits count recent failures, overall and of one payer code: partial indexes of the failures
    # only, so counting never walks past the (many) other checks (the index on payer_code alone made a much-tried
    # code slow to check)
    op.create_index(
        "ix_verification_attempts_failures_at",
        "verification_attempts",
        ["at"],
        postgresql_where=sa.text(FAILED),
        sqlite_where=sa.text(FAILED),
    )
    op.create_index(
        "ix_verification_attempts_failures_payer_at",
        "verification_attempts",
        ["payer_code", "at"],
        postgresql_where=sa.text(FAILED),
        sqlite_where=sa.text(FAILED),
    )
    op.drop_index("ix_verification_attempts_payer_code", table_name="verification_attempts")


def downgrade() -> None:
    op.create_index("ix_verification_attempts_payer_code", "verification_attempts", ["payer_code"])
    op.drop_index("ix_verification_attempts_failures_payer_at", table_name="verification_attempts")
    op.drop_index("ix_verification_attempts_failures_at", table_name="verification_attempts")
    op.drop_index("ix_audit_log_manager_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
