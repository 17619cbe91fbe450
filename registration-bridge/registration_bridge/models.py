"""The payer registry's tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .payer_accounts import format_account


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Manager(Base):
    """A property manager ("upravnik"): a Keycloak organization, kept here by its alias (a slug such as
    `staninvest`), its name, its `contactEmail` and whether it is enabled (manager_sync.py keeps them in step)."""

    __tablename__ = "managers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # where inquiries ("Povpraševanje") from people without an account are sent; none: not accepted
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # a disabled (or deleted) organization: no new registrations or inquiries; its payers and claims are kept
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Payer(Base):
    """A payer account of a manager, as printed on the bill. The bill password is kept only as a keyed hash."""

    __tablename__ = "payers"
    __table_args__ = (
        UniqueConstraint("manager_id", "payer_code", name="uq_payers_manager_code"),
        # the desk's search by any part of a code, holder name or address (payer_search.py): trigram indexes on
        # PostgreSQL (ILIKE '%…%' uses them), plain ones on SQLite
        *(
            Index(
                f"ix_payers_{column}_search",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
            for column in ("payer_code", "holder_name", "address")
        ),
        Index("ix_payers_manager_unit", "manager_id", "unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("managers.id"), index=True)
    payer_code: Mapped[str] = mapped_column(String(64))
    bill_password_hash: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    claim: Mapped[Claim | None] = relationship(back_populates="payer", uselist=False)

    @property
    def account(self) -> str:
        """The payer account as it appears in tokens: `<manager id>:<payer code>`."""
        return format_account(self.manager_id, self.payer_code)


class Claim(Base):
    """Payer → Keycloak user. One payer has at most one user (unique payer_id)."""

    __tablename__ = "claims"

    __table_args__ = (
        # the desk's overview counts a manager's claims, and those of the last week, from this index alone
        Index("ix_claims_manager_claimed_at", "manager_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), unique=True)
    # the payer's manager, kept here too (a payer never changes manager) so that counting needs no join
    manager_id: Mapped[str] = mapped_column(String(64))
    keycloak_user_id: Mapped[str] = mapped_column(String(64), index=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    payer: Mapped[Payer] = relationship(back_populates="claim")


# The outcomes that count as guesses (guessing.FAILURES), as SQL: in the partial indexes below and, word for word, in
# the guessing limits' queries (a database uses a partial index only where the query's WHERE implies its predicate,
# and a bound parameter would not: a prepared statement's generic plan could not use the index)
FAILED_OUTCOMES_SQL = "outcome IN ('unknown_payer', 'wrong_bill_password')"
_FAILED = FAILED_OUTCOMES_SQL


class VerificationAttempt(Base):
    """One payer check and its real outcome; the form only ever sees 'not verified'. No bill password here."""

    __tablename__ = "verification_attempts"
    # The guessing limits count recent failures, overall and of one payer code. These partial indexes hold the
    # failures only, so counting them never walks past the (many) other checks, however often a code was tried.
    __table_args__ = (
        Index("ix_verification_attempts_failures_at", "at", postgresql_where=text(_FAILED), sqlite_where=text(_FAILED)),
        Index(
            "ix_verification_attempts_failures_payer_at",
            "payer_code",
            "at",
            postgresql_where=text(_FAILED),
            sqlite_where=text(_FAILED),
        ),
        # the failures of one manager in the window, with their codes: the desk's "locked now" from the index alone
        Index(
            "ix_verification_attempts_failures_manager_at",
            "manager_id",
            "at",
            "payer_code",
            postgresql_where=text(_FAILED),
            sqlite_where=text(_FAILED),
        ),
        # every check of one payer code, newest first: the desk's payer page
        Index("ix_verification_attempts_manager_payer_at", "manager_id", "payer_code", "at"),
        # the failures of one client network (guessing.network_key) in the last hour
        Index(
            "ix_verification_attempts_failures_network_at",
            "client_network",
            "at",
            postgresql_where=text(_FAILED),
            sqlite_where=text(_FAILED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    manager_id: Mapped[str] = mapped_column(String(64))
    payer_code: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    # as Keycloak sent it; after a day cut to its /24 or /48 (retention.py)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    # what the budget of a client is counted by: its IPv4 address or IPv6 /64 (guessing.network_key)
    client_network: Mapped[str | None] = mapped_column(String(64))


class PayerUnlock(Base):
    """A manager lifted the lock of a payer code: failures before this moment no longer count."""

    __tablename__ = "payer_unlocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    manager_id: Mapped[str] = mapped_column(String(64))
    payer_code: Mapped[str] = mapped_column(String(64), index=True)
    unlocked_by: Mapped[str] = mapped_column(String(200))


class InquiryLog(Base):
    """That an inquiry was sent (for its rate limit), not what it said: the message goes to the manager only."""

    __tablename__ = "inquiry_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    manager_id: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64), index=True)


class SeenSignature(Base):
    """Signatures of callbacks already accepted within the tolerance window: a captured call sent again is refused."""

    __tablename__ = "seen_signatures"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AuditEntry(Base):
    """Who changed a manager's payer data, when, through what, and how much. Never a bill password."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # who: the token's preferred_username (API) or --by / the OS user (CLI); the token's subject when known
    actor: Mapped[str] = mapped_column(String(200))
    actor_subject: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # "api" or "cli"
    action: Mapped[str] = mapped_column(String(32))  # import_payers, import_payers_rejected, unlock
    manager_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # row counts, payer code of an unlock, …


class PayerUpload(Base):
    """A payer list the desk has read and checked but not applied yet (import_preview.py): its figures, for the
    preview. Applying it, or a newer upload a day later, removes it with its rows."""

    __tablename__ = "payer_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("managers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    encoding: Mapped[str] = mapped_column(String(16))
    rows: Mapped[int] = mapped_column(Integer)


class PayerUploadRow(Base):
    """One payer of an upload, as it will be written: the bill password only as its keyed hash."""

    __tablename__ = "payer_upload_rows"
    # by line, as the file has them (a code repeated in the file is found by one query after all are in)
    __table_args__ = (Index("ix_payer_upload_rows_upload_code", "upload_id", "payer_code"),)

    upload_id: Mapped[str] = mapped_column(ForeignKey("payer_uploads.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer_code: Mapped[str] = mapped_column(String(64))
    bill_password_hash: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(64))
