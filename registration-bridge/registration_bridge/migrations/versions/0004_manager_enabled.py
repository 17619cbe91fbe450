"""managers follow Keycloak's organizations: a disabled or deleted organization disables its manager

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # every manager of an existing installation stays enabled
    op.add_column("managers", sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("managers", "enabled")
