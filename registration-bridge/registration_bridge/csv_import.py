"""Import of a manager's payer list from its billing system's CSV export.

Format: a header line, then one payer a line. Columns `payer_code,bill_password` are required,
`holder_name,address,unit` optional. Separator `,` `;` or tab; UTF-8 (with or without BOM) or
Windows-1250. Re-importing updates payers by code and never duplicates them. The file is applied
all or nothing: any bad row is reported with its line number and nothing of the file is kept.

On PostgreSQL the checked rows go with COPY into a temporary table of the import's transaction, and two statements
apply them (one upsert; the lines of repeated codes only when there are any); on SQLite batches of BATCH_SIZE rows
are written with executemany as they come, the codes seen so far in a temporary table.
"""

from __future__ import annotations

import codecs
import csv
import heapq
import io
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, cast

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .bill_passwords import BillPasswordHasher, normalize_bill_password
from .models import Manager, Payer, utcnow
from .payer_accounts import normalize_payer_code

REQUIRED_COLUMNS = ("payer_code", "bill_password")
OPTIONAL_COLUMNS = ("holder_name", "address", "unit")
MAX_LENGTHS = {"payer_code": 64, "bill_password": 128, "holder_name": 200, "address": 300, "unit": 64}
BATCH_SIZE = 5000
MAX_REPORTED_ERRORS = 50
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CsvImportError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportReport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str = "utf-8"


@dataclass(slots=True)
class PayerRow:
    line: int
    payer_code: str
    bill_password: str
    holder_name: str | None
    address: str | None
    unit: str | None


@dataclass
class RowErrors:
    """The first MAX_REPORTED_ERRORS errors by line (duplicates are found a batch later than the rest)."""

    _kept: list[tuple[int, int, RowError]] = field(default_factory=list)  # heap: (-line, -order, error)
    total: int = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        entry = (-line, -self.total, RowError(line, message))
        if len(self._kept) < MAX_REPORTED_ERRORS:
            heapq.heappush(self._kept, entry)
        elif entry > self._kept[0]:  # an earlier line than the last one kept
            heapq.heapreplace(self._kept, entry)

    def report(self) -> list[RowError]:
        items = [error for _, _, error in sorted(self._kept, reverse=True)]
        if self.total > len(items):
            items.append(RowError(0, f"and {self.total - len(items)} more errors"))
        return items


class _SeenCodes:
    """The payer codes of this import so far and the line each first stood on, in a temporary table of the
    import's connection: the database holds them, not the process (a 200 MB list has ten million codes, which as
    a dict took gigabytes of the worker's memory)."""

    TABLE = "payer_import_codes"

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        clustered = " WITHOUT ROWID" if connection.dialect.name == "sqlite" else ""  # one b-tree, not two
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.TABLE} "
            f"(payer_code VARCHAR(64) PRIMARY KEY, line INTEGER NOT NULL){clustered}"
        )
        connection.exec_driver_sql(f"DELETE FROM {self.TABLE}")  # left by an import that failed on this connection
        self._insert = f"INSERT INTO {self.TABLE} (payer_code, line) VALUES " + (
            "(?, ?)" if connection.dialect.paramstyle == "qmark" else "(%s, %s)"
        )

    def first_lines(self, codes: list[str]) -> dict[str, int]:
        return {code: line for code, line in self._connection.execute(_SEEN_CODES, {"codes": codes})}

    def add(self, firsts: dict[str, int]) -> None:
        if firsts:
            # the driver's own executemany on the import's connection (SQLAlchemy's per-row checks doubled its cost)
            cursor = self._connection.connection.cursor()
            try:
                cursor.executemany(self._insert, list(firsts.items()))
            finally:
                cursor.close()

    def drop(self) -> None:
        self._connection.exec_driver_sql(f"DROP TABLE {self.TABLE}")


def first_of_each_code(batch: list[PayerRow], earlier: dict[str, int], errors: RowErrors) -> list[PayerRow]:
    """The rows of the batch whose code is new to this import (`earlier`: codes of earlier batches and their
    first line); every other one is an error naming the line its code first stood on."""
    firsts: dict[str, int] = {}
    kept = []
    for row in batch:
        first_line = earlier.get(row.payer_code) or firsts.setdefault(row.payer_code, row.line)
        if first_line != row.line:
            errors.add(row.line, f"payer code {row.payer_code} is already on line {first_line}")
        else:
            kept.append(row)
    return kept


class _Columns:
    """Where each column sits in this file's rows, and how long its values may be."""

    def __init__(self, header: list[str]) -> None:
        self.names = header
        self.limits = [MAX_LENGTHS[name] for name in header]
        self.payer_code = header.index("payer_code")
        self.bill_password = header.index("bill_password")
        self.holder_name, self.address, self.unit = (header.index(c) if c in header else None for c in OPTIONAL_COLUMNS)


# What a Slovenian billing export holds when it is UTF-8: ASCII, the letters of Latin-1 and Latin Extended-A
# (č š ž ć đ …), Cyrillic, punctuation, currency and letterlike signs. Any other character in a file that decodes as
# UTF-8 is far more likely Windows-1250 whose bytes happen to form UTF-8: "ČŠ" is C8 8A there, which UTF-8 reads
# as "Ȋ".
_UNLIKELY_IN_UTF8 = re.compile("[^\x00-\x7f\u00a0-\u017f\u0400-\u04ff\u2000-\u206f\u20a0-\u20cf\u2100-\u214f]")


def detect_encoding(stream: IO[bytes]) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8 into characters a Slovenian export holds, else
    Windows-1250 (also when UTF-8 decodes, into unlikely characters, and Windows-1250 decodes too). A file that is
    neither (a spreadsheet, an image) is refused with CsvImportError."""
    start = stream.tell()
    if stream.read(3) == codecs.BOM_UTF8:
        stream.seek(start)
        return "utf-8-sig"
    stream.seek(start)
    utf8, unlikely = _scan(stream, "utf-8", watch=_UNLIKELY_IN_UTF8)
    if utf8 and not unlikely:
        encoding = "utf-8"
    else:
        stream.seek(start)
        cp1250, _ = _scan(stream, "cp1250")
        if not (utf8 or cp1250):
            raise CsvImportError([RowError(0, "the file is not text in UTF-8 or Windows-1250: save the list as CSV")])
        encoding = "cp1250" if cp1250 else "utf-8"
    stream.seek(start)
    return encoding


def _scan(stream: IO[bytes], encoding: str, watch: re.Pattern | None = None) -> tuple[bool, bool]:
    """Whether the rest of the stream decodes in this encoding, and whether its text matches `watch` anywhere."""
    decoder = codecs.getincrementaldecoder(encoding)()
    matched = False
    try:
        while chunk := stream.read(1 << 16):
            text = decoder.decode(chunk)
            matched = matched or (watch is not None and watch.search(text) is not None)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, matched
    return True, matched


def _dialect_for(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep])


class PayerImport:
    def __init__(self, session: Session, hasher: BillPasswordHasher) -> None:
        self._session = session
        self._hasher = hasher

    def run(self, manager_id: str, stream: IO[bytes]) -> ImportReport:
        """Import the file into the session's transaction, and never commit it: all or nothing is the caller's
        (admin_actions.import_payers runs it in a savepoint of the request's or the command's transaction)."""
        if self._session.get(Manager, manager_id) is None:
            raise CsvImportError([RowError(0, f"unknown manager {manager_id!r}; add it first with add-manager")])
        encoding = detect_encoding(stream)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        report = ImportReport(encoding=encoding)
        errors = RowErrors()
        batch: list[PayerRow] = []
        try:
            if self._session.get_bind().dialect.name == "postgresql":
                return self._copy_and_apply(manager_id, self._rows(text, errors), report, errors)
            seen = _SeenCodes(self._session.connection())
            for row in self._rows(text, errors):
                batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    self._apply(manager_id, batch, report, seen, errors)
                    batch = []
            if batch:
                self._apply(manager_id, batch, report, seen, errors)
            if errors.total:
                raise CsvImportError(errors.report())
            if report.rows == 0:
                raise CsvImportError([RowError(2, "the file has no payers")])
            seen.drop()
        finally:
            text.detach()
        return report

    def _rows(self, text: io.TextIOWrapper, errors: RowErrors) -> Iterator[PayerRow]:
        return read_rows(text, errors)

    def _copy_and_apply(
        self, manager_id: str, rows: Iterator[PayerRow], report: ImportReport, errors: RowErrors
    ) -> ImportReport:
        """PostgreSQL: the checked rows with their keyed hashes into a temporary table (COPY, streamed: the process
        holds one chunk of text at a time), one query for codes the file repeats, then one upsert of the rows that
        are new or changed."""
        connection = self._session.connection()
        connection.exec_driver_sql(_CREATE_STAGING)
        connection.exec_driver_sql(f"TRUNCATE {_STAGING}")  # left by an import earlier in this transaction
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        digest = self._hasher.digest
        staged = 0
        cursor = dbapi_connection.cursor()
        try:
            with cursor.copy(f"COPY {_STAGING} ({', '.join(_STAGING_COLUMNS)}) FROM STDIN") as copy:
                chunk: list[str] = []
                for row in rows:
                    code = row.payer_code
                    chunk.append(
                        f"{row.line}\t{code.translate(_COPY_ESCAPES)}\t{digest(manager_id, code, row.bill_password)}"
                        f"\t{_copy_value(row.holder_name)}\t{_copy_value(row.address)}\t{_copy_value(row.unit)}\n"
                    )
                    if len(chunk) >= BATCH_SIZE:
                        copy.write("".join(chunk))
                        staged += len(chunk)
                        chunk = []
                if chunk:
                    copy.write("".join(chunk))
                    staged += len(chunk)
        finally:
            cursor.close()
        _repeated_codes(connection, errors)  # one pass over the staged rows; the lines only when there are any
        if errors.total:
            raise CsvImportError(errors.report())
        if staged == 0:
            raise CsvImportError([RowError(2, "the file has no payers")])
        inserted, updated = connection.execute(_UPSERT, {"manager_id": manager_id, "now": utcnow()}).one()
        connection.exec_driver_sql(f"DROP TABLE {_STAGING}")
        report.rows = staged
        report.inserted = inserted
        report.updated = updated
        report.unchanged = staged - inserted - updated
        return report

    @staticmethod
    def _validate(line: int, values: list[str], columns: _Columns, errors: RowErrors) -> PayerRow | None:
        # the common case checked in one go (in C); column by column only to say where a problem is
        if max(map(operator.sub, map(len, values), columns.limits)) > 0 or CONTROL_CHARACTERS.search("".join(values)):
            ok = True
            for name, limit, value in zip(columns.names, columns.limits, values, strict=False):
                if len(value) > limit and len(value.strip()) > limit:
                    errors.add(line, f"{name} is longer than {limit} characters")
                    ok = False
                if CONTROL_CHARACTERS.search(value):
                    errors.add(line, f"{name} contains control characters")
                    ok = False
        else:
            ok = True
        code = normalize_payer_code(values[columns.payer_code])
        password = normalize_bill_password(values[columns.bill_password])
        if not code:
            errors.add(line, "payer_code is empty")
            ok = False
        if not password:
            errors.add(line, "bill_password is empty")
            ok = False
        if not ok:
            return None
        return PayerRow(
            line,
            code,
            password,
            _optional(values, columns.holder_name),
            _optional(values, columns.address),
            _optional(values, columns.unit),
        )

    def _apply(
        self, manager_id: str, batch: list[PayerRow], report: ImportReport, seen: _SeenCodes, errors: RowErrors
    ) -> None:
        """Insert new payers and update changed ones in two bulk statements (Core, no ORM objects per row); a
        code repeated from an earlier row is an error instead."""
        codes = list({row.payer_code for row in batch})
        existing = {
            r.payer_code: r for r in self._session.execute(_EXISTING_PAYERS, {"manager_id": manager_id, "codes": codes})
        }
        # every code of an earlier batch is in the payers table by now: only those already there can repeat one
        candidates = [code for code in codes if code in existing]
        batch = first_of_each_code(batch, seen.first_lines(candidates) if candidates else {}, errors)
        seen.add({row.payer_code: row.line for row in batch})
        now = utcnow()
        inserts, updates = [], []
        for row in batch:
            values = {
                "bill_password_hash": self._hasher.digest(manager_id, row.payer_code, row.bill_password),
                "holder_name": row.holder_name,
                "address": row.address,
                "unit": row.unit,
            }
            current = existing.get(row.payer_code)
            if current is None:
                inserts.append({"manager_id": manager_id, "payer_code": row.payer_code, "updated_at": now, **values})
            elif any(getattr(current, k) != v for k, v in values.items()):
                updates.append({"id": current.id, "updated_at": now, **values})
            else:
                report.unchanged += 1
        # on the session's connection: same transaction, none of the ORM's per-row work
        connection = self._session.connection()
        if inserts:
            _insert_payers(connection, inserts)
        if updates:
            table = cast(Table, Payer.__table__)
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("payer_id"))
                .values(
                    {k: bindparam(k) for k in ("bill_password_hash", "holder_name", "address", "unit", "updated_at")}
                ),
                [{"payer_id": u.pop("id"), **u} for u in updates],
            )
        report.rows += len(batch)
        report.inserted += len(inserts)
        report.updated += len(updates)


def read_rows(text: io.TextIOWrapper, errors: RowErrors) -> Iterator[PayerRow]:
    """The file's valid rows; each invalid one goes to `errors` with its line (a bad header raises at once).
    Codes repeated within the file are not seen here: that is the caller's (first_of_each_code)."""
    header_line = text.readline()
    if not header_line.strip():
        raise CsvImportError(
            [
                RowError(
                    1,
                    "the file is empty; expected a header line payer_code,bill_password[,holder_name,address,unit]",
                )
            ]
        )
    delimiter = _dialect_for(header_line)
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))]
    while header and header[-1] == "":  # spreadsheets often end every line with a separator
        header.pop()
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append("missing column(s) " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s) " + ", ".join(repr(c) for c in unknown))
        if len(set(header)) != len(header):
            problems.append("a column appears twice")
        raise CsvImportError([RowError(1, "; ".join(problems))])
    columns = _Columns(header)
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    line = 1
    try:
        for values in reader:
            line = reader.line_num + 1
            if not values or not "".join(values).strip():
                continue
            while len(values) > len(header) and not values[-1].strip():
                values.pop()
            if len(values) != len(header):
                errors.add(line, f"expected {len(header)} values, found {len(values)}")
                continue
            row = PayerImport._validate(line, values, columns, errors)
            if row is not None:
                yield row
    except csv.Error as exc:
        errors.add(reader.line_num + 1, f"unreadable CSV: {exc}")


def _optional(values: list[str], index: int | None) -> str | None:
    return (values[index].strip() or None) if index is not None else None


_EXISTING_PAYERS = select(
    Payer.id, Payer.payer_code, Payer.bill_password_hash, Payer.holder_name, Payer.address, Payer.unit
).where(Payer.manager_id == bindparam("manager_id"), Payer.payer_code.in_(bindparam("codes", expanding=True)))
_SEEN_CODES = text(f"SELECT payer_code, line FROM {_SeenCodes.TABLE} WHERE payer_code IN :codes").bindparams(
    bindparam("codes", expanding=True)
)
_INSERT_COLUMNS = ("manager_id", "payer_code", "bill_password_hash", "holder_name", "address", "unit", "updated_at")


def _insert_payers(connection: Connection, rows: list[dict]) -> None:
    """One executemany straight to the driver: SQLAlchemy's per-row parameter processing was a third of the
    import's time. The one typed value (updated_at, the same for the batch) is converted once, as SQLAlchemy would."""
    dialect = connection.dialect
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    column_type = Payer.__table__.c.updated_at.type.dialect_impl(dialect)
    convert = column_type.bind_processor(dialect) or (lambda value: value)
    sql = (
        f"INSERT INTO {Payer.__tablename__} ({', '.join(_INSERT_COLUMNS)}) "
        f"VALUES ({', '.join([placeholder] * len(_INSERT_COLUMNS))})"
    )
    updated_at = convert(rows[0]["updated_at"])
    connection.exec_driver_sql(
        sql,
        [
            (
                r["manager_id"],
                r["payer_code"],
                r["bill_password_hash"],
                r["holder_name"],
                r["address"],
                r["unit"],
                updated_at,
            )
            for r in rows
        ],
    )


# PostgreSQL's import (PayerImport._copy_and_apply): the rows as checked, in file order, with their keyed hashes;
# dropped at the end of the import, or with its transaction (a failed import's savepoint undoes its creation)
_STAGING = "payer_import_rows"
_STAGING_COLUMNS = ("line", "payer_code", "bill_password_hash", "holder_name", "address", "unit")
_CREATE_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (line integer NOT NULL, payer_code varchar(64) NOT NULL, "
    "bill_password_hash varchar(64) NOT NULL, holder_name varchar(200), address varchar(300), unit varchar(64)) "
    "ON COMMIT DROP"
)
# COPY's text format: a backslash and the separators escaped (validation refuses control characters anyway)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: str | None) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


# New codes are inserted and changed payers updated in one statement; the rows come in file order (a new temporary
# table is read in the order it was written), so new payers get their ids in file order as on SQLite. Unchanged
# payers are left out before the upsert: ON CONFLICT locks every row it meets, which writes (and logs) each page of
# an unchanged registry. xmax is 0 on a row version this statement inserted, and not on one it updated: the two
# counts without a second pass.
_UPSERT = text(
    f"""WITH applied AS (
        INSERT INTO payers AS p (manager_id, payer_code, bill_password_hash, holder_name, address, unit, updated_at)
        SELECT CAST(:manager_id AS varchar), s.payer_code, s.bill_password_hash, s.holder_name, s.address, s.unit,
               :now
        FROM {_STAGING} AS s
        WHERE NOT EXISTS (
            SELECT FROM payers AS same
            WHERE same.manager_id = CAST(:manager_id AS varchar) AND same.payer_code = s.payer_code
              AND same.bill_password_hash IS NOT DISTINCT FROM s.bill_password_hash
              AND same.holder_name IS NOT DISTINCT FROM s.holder_name
              AND same.address IS NOT DISTINCT FROM s.address AND same.unit IS NOT DISTINCT FROM s.unit
        )
        ON CONFLICT ON CONSTRAINT uq_payers_manager_code DO UPDATE
        SET bill_password_hash = excluded.bill_password_hash, holder_name = excluded.holder_name,
            address = excluded.address, unit = excluded.unit, updated_at = excluded.updated_at
        WHERE p.bill_password_hash IS DISTINCT FROM excluded.bill_password_hash
           OR p.holder_name IS DISTINCT FROM excluded.holder_name
           OR p.address IS DISTINCT FROM excluded.address
           OR p.unit IS DISTINCT FROM excluded.unit
        RETURNING p.xmax = 0 AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM applied"""
)
# The lines whose code stands on an earlier line too, each with that first line: the first MAX_REPORTED_ERRORS by
# line (RowErrors keeps no more) and how many there are in all (so the process never holds them all)
_ANY_REPEATED = text(f"SELECT EXISTS (SELECT FROM {_STAGING} GROUP BY payer_code HAVING count(*) > 1)")
_REPEATED = text(
    f"""SELECT s.line, s.payer_code, f.first_line, count(*) OVER () AS repeated
        FROM {_STAGING} AS s
        JOIN (SELECT payer_code, min(line) AS first_line FROM {_STAGING} GROUP BY payer_code HAVING count(*) > 1) AS f
          ON f.payer_code = s.payer_code
        WHERE s.line <> f.first_line
        ORDER BY s.line
        LIMIT :limit"""
)


def _repeated_codes(connection: Connection, errors: RowErrors) -> None:
    if not connection.execute(_ANY_REPEATED).scalar():  # the common case: one aggregate, nothing joined
        return
    rows = connection.execute(_REPEATED, {"limit": MAX_REPORTED_ERRORS}).all()
    for line, code, first_line, _ in rows:
        errors.add(line, f"payer code {code} is already on line {first_line}")
    if rows:
        errors.total += rows[0].repeated - len(rows)  # counted, not kept: later by line than every one kept
