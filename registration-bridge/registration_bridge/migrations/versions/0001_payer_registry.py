"""The payer registry as it stood before migrations (what Base.metadata.create_all built): the baseline.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "managers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.String(64), nullable=False),
        sa.Column("payer_code", sa.String(64), nullable=False),
        sa.Column("bill_password_hash", sa.String(64), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], ["managers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("manager_id", "payer_code", name="uq_payers_manager_code"),
    )
    op.create_index("ix_payers_manager_id", "payers", ["manager_id"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("keycloak_user_id", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["payer_id"], ["payers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("payer_id"),  # one payer, one account
    )
    op.create_index("ix_claims_keycloak_user_id", "claims", ["keycloak_user_id"])
    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.String(64), nullable=False),
        sa.Column("payer_code", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verification_attempts_at", "verification_attempts", ["at"])
    op.create_index("ix_verification_attempts_client_ip", "verification_attempts", ["client_ip"])
    op.create_index("ix_verification_attempts_payer_code", "verification_attempts", ["payer_code"])
    op.create_table(
        "payer_unlocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.String(64), nullable=False),
        sa.Column("payer_code", sa.String(64), nullable=False),
        sa.Column("unlocked_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payer_unlocks_payer_code", "payer_unlocks", ["payer_code"])
    op.create_table(
        "inquiry_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manager_id", sa.String(64), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inquiry_log_at", "inquiry_log", ["at"])
    op.create_index("ix_inquiry_log_client_ip", "inquiry_log", ["client_ip"])
    op.create_table(
        "seen_signatures",
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index("ix_seen_signatures_at", "seen_signatures", ["at"])


def downgrade() -> None:
    for table in (
        "seen_signatures",
        "inquiry_log",
        "payer_unlocks",
        "verification_attempts",
        "claims",
        "payers",
        "managers",
    ):
        op.drop_table(table)  # its indexes go with it
