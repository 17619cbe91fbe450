"""the manager's desk: uploads waiting for their preview to be applied, and the indexes its pages read by

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEARCHED = ("payer_code", "holder_name", "address")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "payer_uploads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("manager_id", sa.String(64), sa.ForeignKey("managers.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
    )
    op.create_index("ix_payer_uploads_manager_id", "payer_uploads", ["manager_id"])
    op.create_index("ix_payer_uploads_created_at", "payer_uploads", ["created_at"])
    op.create_table(
        "payer_upload_rows",
        sa.Column("upload_id", sa.String(36), sa.ForeignKey("payer_uploads.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("line", sa.Integer(), primary_key=True),
        sa.Column("payer_code", sa.String(64), nullable=False),
        sa.Column("bill_password_hash", sa.String(64), nullable=False),
        sa.Column("holder_name", sa.String(200)),
        sa.Column("address", sa.String(300)),
        sa.Column("unit", sa.String(64)),
    )
    op.create_index("ix_payer_upload_rows_upload_code", "payer_upload_rows", ["upload_id", "payer_code"])
    if postgres:
        # trigram indexes: a search for any part of a code, name or address reads the index, not a million rows
        # (pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may create it)
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        op.create_index(
            f"ix_payers_{column}_search",
            "payers",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    op.create_index("ix_payers_manager_unit", "payers", ["manager_id", "unit"])
    # a claim knows its payer's manager (the overview counts a manager's claims without a join)
    op.add_column("claims", sa.Column("manager_id", sa.String(64), nullable=True))
    op.execute(
        "UPDATE claims SET manager_id = (SELECT payers.manager_id FROM payers WHERE payers.id = claims.payer_id)"
    )
    with op.batch_alter_table("claims") as claims:
        claims.alter_column("manager_id", existing_type=sa.String(64), nullable=False)
    op.create_index("ix_claims_manager_claimed_at", "claims", ["manager_id", "claimed_at"])
    failed = sa.text("outcome IN ('unknown_payer', 'wrong_bill_password')")
    op.create_index(
        "ix_verification_attempts_failures_manager_at",
        "verification_attempts",
        ["manager_id", "at", "payer_code"],
        postgresql_where=failed,
        sqlite_where=failed,
    )
    op.create_index(
        "ix_verification_attempts_manager_payer_at", "verification_attempts", ["manager_id", "payer_code", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_verification_attempts_manager_payer_at", "verification_attempts")
    op.drop_index("ix_verification_attempts_failures_manager_at", "verification_attempts")
    op.drop_index("ix_claims_manager_claimed_at", "claims")
    with op.batch_alter_table("claims") as claims:
        claims.drop_column("manager_id")
    op.drop_index("ix_payers_manager_unit", "payers")
    for column in SEARCHED:
        op.drop_index(f"ix_payers_{column}_search", "payers")
    op.drop_index("ix_payer_upload_rows_upload_code", "payer_upload_rows")
    op.drop_table("payer_upload_rows")
    op.drop_index("ix_payer_uploads_created_at", "payer_uploads")
    op.drop_index("ix_payer_uploads_manager_id", "payer_uploads")
    op.drop_table("payer_uploads")
