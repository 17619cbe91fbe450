"""client networks of the check attempts (IPv6 counted per /64), for the guessing limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 19:00:00
"""

from __future__ import annotations

import ipaddress

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
FAILED = "outcome IN ('unknown_payer', 'wrong_bill_password')"


def _network_key(client_ip: str) -> str:
    """guessing.network_key as it was when this migration was written (a migration must not change later)."""
    try:
        address = ipaddress.ip_address(client_ip.strip().split("%", 1)[0])
    except ValueError:
        return client_ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def upgrade() -> None:
    op.add_column("verification_attempts", sa.Column("client_network", sa.String(length=64), nullable=True))
    attempts = sa.table(
        "verification_attempts", sa.column("client_ip", sa.String), sa.column("client_network", sa.String)
    )
    connection = op.get_bind()
    for (client_ip,) in connection.execute(
        sa.select(attempts.c.client_ip).where(attempts.c.client_ip.is_not(None)).distinct()
    ).all():
        connection.execute(
            attempts.update().where(attempts.c.client_ip == client_ip).values(client_network=_network_key(client_ip))
        )
    # a network's failures of the last hour are counted from this partial index (as the per-code ones in 0002)
    op.create_index(
        "ix_verification_attempts_failures_network_at",
        "verification_attempts",
        ["client_network", "at"],
        postgresql_where=sa.text(FAILED),
        sqlite_where=sa.text(FAILED),
    )
    op.drop_index("ix_verification_attempts_client_ip", table_name="verification_attempts")


def downgrade() -> None:
    op.create_index("ix_verification_attempts_client_ip", "verification_attempts", ["client_ip"])
    op.drop_index("ix_verification_attempts_failures_network_at", table_name="verification_attempts")
    op.drop_column("verification_attempts", "client_network")
