"""A payer list in two steps, for the desk: read and check it (stage), show what it would change (preview), then
apply it in one transaction, or not at all.

Staging reads the file with the import's own rules (csv_import.read_rows: the same errors, with their lines) into
payer_upload_rows, the bill passwords already as their keyed hash. Nothing of the registry changes until
`apply_import`; an upload that is not applied is forgotten after UPLOAD_LIFETIME. Applying "the complete list"
also retires the payers the file lacks: their claims end and they leave the registry (the flat was sold: the
former owner must not be able to claim it again with the old bill).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, cast

from sqlalchemy import Table, and_, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from .audit import IMPORT_PAYERS, RETIRE_PAYERS, Actor, AuditLog
from .bill_passwords import BillPasswordHasher
from .csv_import import (
    BATCH_SIZE,
    CsvImportError,
    PayerRow,
    RowError,
    RowErrors,
    detect_encoding,
    read_rows,
)
from .models import Claim, Manager, Payer, PayerUpload, PayerUploadRow, utcnow
from .transactions import all_or_nothing

UPLOAD_LIFETIME = timedelta(hours=24)
MISSING_SAMPLE = 20

_payers = cast(Table, Payer.__table__)
_staged = cast(Table, PayerUploadRow.__table__)
_COMPARED = ("bill_password_hash", "holder_name", "address", "unit")


@dataclass(frozen=True)
class MissingPayer:
    payer_code: str
    holder_name: str | None
    claimed: bool


@dataclass(frozen=True)
class ImportPreview:
    upload_id: str
    created_at: datetime
    encoding: str
    rows: int
    new: int
    changed: int
    unchanged: int
    missing: int  # payers of the registry the file lacks (retired when it is applied as the complete list)
    missing_sample: list[MissingPayer]


@dataclass(frozen=True)
class RetiredClaim:
    payer_code: str
    user_id: str


@dataclass(frozen=True)
class AppliedImport:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    retired: list[RetiredClaim]
    retired_payers: int


def stage_import(
    session: Session, hasher: BillPasswordHasher, manager_id: str, stream: IO[bytes], actor: Actor
) -> ImportPreview:
    """Read and check the file into a new upload; CsvImportError (nothing kept) when any row is wrong."""
    if session.get(Manager, manager_id) is None:
        raise CsvImportError([RowError(0, f"unknown manager {manager_id!r}")])
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    upload_id = str(uuid.uuid4())
    errors = RowErrors()
    try:
        with all_or_nothing(session):
            _forget_old_uploads(session)
            session.add(
                PayerUpload(id=upload_id, manager_id=manager_id, actor=actor.name[:200], encoding=encoding, rows=0)
            )
            session.flush()
            rows = 0
            batch: list[PayerRow] = []
            for row in read_rows(text, errors):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    rows += _stage(session, hasher, manager_id, upload_id, batch)
                    batch = []
            if batch:
                rows += _stage(session, hasher, manager_id, upload_id, batch)
            _repeated_codes(session, upload_id, errors)
            if errors.total:
                raise CsvImportError(errors.report())
            if rows == 0:
                raise CsvImportError([RowError(2, "the file has no payers")])
            session.execute(update(PayerUpload).where(PayerUpload.id == upload_id).values(rows=rows))
    finally:
        text.detach()
    preview = preview_of(session, manager_id, upload_id)
    assert preview is not None
    return preview


def _stage(session: Session, hasher: BillPasswordHasher, manager_id: str, upload_id: str, batch: list[PayerRow]) -> int:
    """Write a batch of rows into the upload: PostgreSQL's COPY, else one executemany (the ORM's insert of the rows
    took most of a preview's time)."""
    rows = [
        (
            upload_id,
            row.line,
            row.payer_code,
            hasher.digest(manager_id, row.payer_code, row.bill_password),
            row.holder_name,
            row.address,
            row.unit,
        )
        for row in batch
    ]
    dbapi_connection = session.connection().connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        if session.get_bind().dialect.name == "postgresql":
            with cursor.copy(f"COPY {PayerUploadRow.__tablename__} ({', '.join(_STAGED_COLUMNS)}) FROM STDIN") as copy:
                for values in rows:
                    copy.write_row(values)
        else:
            cursor.executemany(
                f"INSERT INTO {PayerUploadRow.__tablename__} ({', '.join(_STAGED_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_STAGED_COLUMNS))})",
                rows,
            )
    finally:
        cursor.close()
    return len(rows)


_STAGED_COLUMNS = ("upload_id", "line", "payer_code", "bill_password_hash", "holder_name", "address", "unit")


def _repeated_codes(session: Session, upload_id: str, errors: RowErrors) -> None:
    """Each line whose payer code stands on an earlier line too is an error naming that line (one query over the
    staged rows, whatever the file's size: the codes are never all held in memory)."""
    firsts = (
        select(PayerUploadRow.payer_code, func.min(PayerUploadRow.line).label("first_line"))
        .where(PayerUploadRow.upload_id == upload_id)
        .group_by(PayerUploadRow.payer_code)
        .having(func.count() > 1)
        .subquery()
    )
    repeated = session.execute(
        select(PayerUploadRow.line, PayerUploadRow.payer_code, firsts.c.first_line)
        .join(firsts, firsts.c.payer_code == PayerUploadRow.payer_code)
        .where(PayerUploadRow.upload_id == upload_id, PayerUploadRow.line != firsts.c.first_line)
        .order_by(PayerUploadRow.line)
    )
    for line, code, first_line in repeated:
        errors.add(line, f"payer code {code} is already on line {first_line}")


def _forget_old_uploads(session: Session) -> None:
    expired = PayerUpload.created_at < utcnow() - UPLOAD_LIFETIME
    session.execute(delete(PayerUploadRow).where(PayerUploadRow.upload_id.in_(select(PayerUpload.id).where(expired))))
    session.execute(delete(PayerUpload).where(expired))


def _upload(session: Session, manager_id: str, upload_id: str) -> PayerUpload | None:
    upload = session.get(PayerUpload, upload_id) if _is_uuid(upload_id) else None
    if upload is None or upload.manager_id != manager_id:
        return None  # another manager's upload is as unknown as one that never was
    created = upload.created_at if upload.created_at.tzinfo else upload.created_at.replace(tzinfo=utcnow().tzinfo)
    if created < utcnow() - UPLOAD_LIFETIME:
        return None
    return upload


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _in_upload(upload_id: str):
    return _staged.c.upload_id == upload_id


def _registry_row(manager_id: str):
    """The registry's payer of the staged row's code."""
    return and_(_payers.c.manager_id == manager_id, _payers.c.payer_code == _staged.c.payer_code)


def _differs():
    return or_(*(_payers.c[column].is_distinct_from(_staged.c[column]) for column in _COMPARED))


def _missing(manager_id: str, upload_id: str):
    """The manager's payers that the upload lacks."""
    return and_(
        _payers.c.manager_id == manager_id,
        ~exists().where(_staged.c.upload_id == upload_id, _staged.c.payer_code == _payers.c.payer_code),
    )


def _counts(session: Session, manager_id: str, upload_id: str) -> tuple[int, int, int]:
    """(new, changed, missing) of the upload against the registry as it is now."""
    new = session.scalar(
        select(func.count())
        .select_from(_staged)
        .where(_in_upload(upload_id), ~exists().where(_registry_row(manager_id)))
    )
    changed = session.scalar(
        select(func.count())
        .select_from(_staged.join(_payers, _registry_row(manager_id)))
        .where(_in_upload(upload_id), _differs())
    )
    missing = session.scalar(select(func.count()).select_from(_payers).where(_missing(manager_id, upload_id)))
    return new or 0, changed or 0, missing or 0


def pending(session: Session, manager_id: str, upload_id: str) -> bool:
    """Whether the upload of this manager is still there to apply (one row read: not the preview's counts)."""
    return _upload(session, manager_id, upload_id) is not None


def preview_of(session: Session, manager_id: str, upload_id: str) -> ImportPreview | None:
    """What applying the upload would do now; None when there is no such upload of this manager (applied already,
    expired, or never made)."""
    upload = _upload(session, manager_id, upload_id)
    if upload is None:
        return None
    new, changed, missing = _counts(session, manager_id, upload_id)
    claimed = exists().where(Claim.payer_id == _payers.c.id)
    sample = [
        MissingPayer(code, name, bool(is_claimed))
        for code, name, is_claimed in session.execute(
            select(_payers.c.payer_code, _payers.c.holder_name, claimed)
            .where(_missing(manager_id, upload_id))
            .order_by(_payers.c.payer_code)
            .limit(MISSING_SAMPLE)
        )
    ]
    return ImportPreview(
        upload_id=upload.id,
        created_at=upload.created_at,
        encoding=upload.encoding,
        rows=upload.rows,
        new=new,
        changed=changed,
        unchanged=upload.rows - new - changed,
        missing=missing,
        missing_sample=sample,
    )


def retirements(session: Session, manager_id: str, upload_id: str) -> list[RetiredClaim]:
    """The claims that applying the upload as the complete list would end: whose account loses which payer."""
    if _upload(session, manager_id, upload_id) is None:
        return []
    return [
        RetiredClaim(code, user_id)
        for code, user_id in session.execute(
            select(_payers.c.payer_code, Claim.keycloak_user_id)
            .join(Claim, Claim.payer_id == _payers.c.id)
            .where(_missing(manager_id, upload_id))
            .order_by(_payers.c.payer_code)
        )
    ]


def apply_import(
    session: Session,
    manager_id: str,
    upload_id: str,
    actor: Actor,
    complete_list: bool = False,
    ended_claims: list[RetiredClaim] | None = None,
) -> AppliedImport | None:
    """Apply the upload in the caller's transaction (the request commits it with its audit entries); None when it
    is gone (a second click, another tab): then nothing changes. `ended_claims`: the retirements the caller has
    already taken off the Keycloak accounts (whose claims Keycloak's claim sync may have ended meanwhile)."""
    if _upload(session, manager_id, upload_id) is None:
        return None
    # take the upload: a second apply of it waits here until this one has committed, then finds it gone
    taken = cast(
        CursorResult,
        session.execute(
            update(PayerUpload)
            .where(PayerUpload.id == upload_id, PayerUpload.manager_id == manager_id)
            .values(rows=PayerUpload.rows)
        ),
    )
    upload = session.get(PayerUpload, upload_id, populate_existing=True)
    if taken.rowcount == 0 or upload is None:
        return None
    new, changed, _missing_count = _counts(session, manager_id, upload_id)
    now = utcnow()
    session.execute(
        update(_payers)
        .where(_payers.c.manager_id == manager_id, _payers.c.payer_code == _staged.c.payer_code, _in_upload(upload_id))
        .where(_differs())
        .values({**{column: _staged.c[column] for column in _COMPARED}, "updated_at": now})
    )
    session.execute(
        insert(_payers).from_select(
            ["manager_id", "payer_code", *_COMPARED, "updated_at"],
            select(literal(manager_id), _staged.c.payer_code, *(_staged.c[c] for c in _COMPARED), literal(now))
            .where(_in_upload(upload_id), ~exists().where(_registry_row(manager_id)))
            .order_by(_staged.c.line),
        )
    )
    retired: list[RetiredClaim] = []
    retired_payers = 0
    if complete_list:
        retired = list(
            {
                (r.payer_code, r.user_id): r for r in (ended_claims or []) + retirements(session, manager_id, upload_id)
            }.values()
        )
        gone = select(_payers.c.id).where(_missing(manager_id, upload_id))
        session.execute(delete(Claim).where(Claim.payer_id.in_(gone)))
        retired_payers = cast(
            CursorResult, session.execute(delete(_payers).where(_missing(manager_id, upload_id)))
        ).rowcount
    rows = upload.rows
    session.execute(delete(PayerUploadRow).where(PayerUploadRow.upload_id == upload_id))
    session.execute(delete(PayerUpload).where(PayerUpload.id == upload_id))
    audit = AuditLog(session)
    audit.record(
        actor,
        IMPORT_PAYERS,
        manager_id,
        {
            "rows": rows,
            "inserted": new,
            "updated": changed,
            "unchanged": rows - new - changed,
            "encoding": upload.encoding,
            "source": "desk",
            "complete_list": complete_list,
        },
    )
    if retired_payers:
        audit.record(
            actor,
            RETIRE_PAYERS,
            manager_id,
            {
                "payers": retired_payers,
                "claims_ended": len(retired),
                "payer_codes": [r.payer_code for r in retired][:50],
            },
        )
    session.expire_all()
    return AppliedImport(rows, new, changed, rows - new - changed, retired, retired_payers)
