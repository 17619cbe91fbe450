"""The import of a manager's payer list from its billing system's CSV export: all or nothing, never duplicated."""

from __future__ import annotations

import re

import pytest
from registration_bridge import csv_import
from registration_bridge.csv_import import CsvImportError
from registration_bridge.models import Payer

from .support import MANAGER_ID, SEED_CSV, add_manager, count, import_csv, password_ok, payers, sessions


@pytest.fixture
def manager(app):
    add_manager(app, MANAGER_ID, "Staninvest d.o.o.")
    return app


def error_lines(exc: pytest.ExceptionInfo[CsvImportError]) -> list[str]:
    return [str(e) for e in exc.value.errors]


# --- columns --------------------------------------------------------------------------------------


def test_required_columns_only(manager):
    report = import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n100300,Geslo1\n")
    assert (report.rows, report.inserted) == (1, 1)
    payer = payers(manager)["100300"]
    assert (payer.holder_name, payer.address, payer.unit) == (None, None, None)
    assert password_ok(manager, "100300", "Geslo1")


def test_imported_rows_store_their_time_as_the_orm_does(manager):
    # the import writes straight to the driver: its timestamps must look exactly like ORM-written ones, or
    # comparisons of stored times (SQLite compares text) would go wrong
    import_csv(manager, MANAGER_ID, SEED_CSV)
    with sessions(manager)() as s:
        imported = s.connection().exec_driver_sql("SELECT updated_at FROM payers").scalar()
        written_by_orm = s.connection().exec_driver_sql("SELECT created_at FROM managers").scalar()
    assert re.sub(r"\d", "0", str(imported)) == re.sub(r"\d", "0", str(written_by_orm))


def test_optional_columns_are_stored(manager):
    import_csv(manager, MANAGER_ID, SEED_CSV)
    payer = payers(manager)["100200"]
    assert (payer.holder_name, payer.address, payer.unit) == ("Ana Novak", "Cesta v Mestni log 12 Ljubljana", "3")


def test_columns_may_come_in_any_order_and_case(manager):
    import_csv(manager, MANAGER_ID, b"Unit,Bill_Password,PAYER_CODE\n7,Geslo7,100307\n")
    assert payers(manager)["100307"].unit == "7"
    assert password_ok(manager, "100307", "Geslo7")


@pytest.mark.parametrize(
    "header, problem",
    [
        (b"payer_code,holder_name\n", "missing column(s) bill_password"),
        (b"code,bill_password\n", "missing column(s) payer_code"),
        (b"payer_code,bill_password,iban\n", "unknown column(s) 'iban'"),
        (b"payer_code,bill_password,payer_code\n", "a column appears twice"),
    ],
)
def test_header_must_name_the_required_columns(manager, header, problem):
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, header + b"100300,x,y\n")
    assert exc.value.errors[0].line == 1
    assert problem in exc.value.errors[0].message
    assert count(manager, Payer) == 0


def test_file_without_header_is_refused_on_line_1(manager):
    # A file exported without its header line: its first payer is not taken for column names.
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, b"100200,Geslo1,Ana Novak\n")
    assert exc.value.errors[0].line == 1


@pytest.mark.parametrize("data", [b"", b"\n\n", b"payer_code,bill_password\n", b"payer_code,bill_password\n,\n"])
def test_empty_file_is_refused(manager, data):
    with pytest.raises(CsvImportError):
        import_csv(manager, MANAGER_ID, data)
    assert count(manager, Payer) == 0


# --- re-import ---------------------------------------------------------------------------------


def test_reimport_updates_and_never_duplicates(manager):
    first = import_csv(manager, MANAGER_ID, SEED_CSV)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (2, 2, 0, 0)
    again = import_csv(manager, MANAGER_ID, SEED_CSV)
    assert (again.rows, again.inserted, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert count(manager, Payer) == 2

    changed = (
        "payer_code,bill_password,holder_name\n100200,New-Password,Ana Novak Kranjc\n100299,Brand-New,Nov Plačnik\n"
    ).encode()
    report = import_csv(manager, MANAGER_ID, changed)
    assert (report.rows, report.inserted, report.updated, report.unchanged) == (2, 1, 1, 0)
    assert count(manager, Payer) == 3
    assert payers(manager)["100200"].holder_name == "Ana Novak Kranjc"
    assert password_ok(manager, "100200", "New-Password")
    assert not password_ok(manager, "100200", "Polozn1ca-Xq7-UNIQUE")
    # a payer missing from the new file is kept, not deleted
    assert "100201" in payers(manager)


def test_payer_codes_are_stored_without_spaces_so_reimport_matches_them(manager):
    import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n100 300,Geslo1\n")
    import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n100300 ,Geslo2\n")
    assert list(payers(manager)) == ["100300"]
    assert password_ok(manager, "100300", "Geslo2")


def test_same_code_at_two_managers_are_two_payers(manager):
    add_manager(manager, "domovanje", "Domovanje d.o.o.")
    import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n1,A\n")
    import_csv(manager, "domovanje", b"payer_code,bill_password\n1,B\n")
    assert password_ok(manager, "1", "A", MANAGER_ID)
    assert password_ok(manager, "1", "B", "domovanje")


# --- separators and encodings --------------------------------------------------------------------


@pytest.mark.parametrize("sep", [b";", b"\t", b","], ids=["semicolon", "tab", "comma"])
def test_separators(manager, sep):
    data = (
        sep.join([b"payer_code", b"bill_password", b"holder_name", b"address"])
        + b"\r\n"
        + sep.join([b"100300", b"Geslo1", b"Novak, Ana", b'"Cesta 1; Ljubljana"'])
        + b"\r\n"
    )
    if sep == b",":
        data = data.replace(b"Novak, Ana", b'"Novak, Ana"')
    import_csv(manager, MANAGER_ID, data)
    payer = payers(manager)["100300"]
    assert (payer.holder_name, payer.address) == ("Novak, Ana", "Cesta 1; Ljubljana")
    assert password_ok(manager, "100300", "Geslo1")


def test_spreadsheet_export_with_a_separator_at_the_end_of_every_line(manager):
    report = import_csv(manager, MANAGER_ID, b"payer_code;bill_password;\r\n100300;Geslo1;\r\n100301;Geslo2;\r\n")
    assert report.inserted == 2
    assert password_ok(manager, "100301", "Geslo2")


def test_utf8_with_bom(manager):
    data = "\ufeffpayer_code;bill_password;holder_name\n100300;Geslo1;Čedo Šušteršič Žnidar\n".encode("utf-8")
    report = import_csv(manager, MANAGER_ID, data)
    assert report.encoding == "utf-8-sig"
    assert payers(manager)["100300"].holder_name == "Čedo Šušteršič Žnidar"


def test_utf8_without_bom(manager):
    report = import_csv(manager, MANAGER_ID, "payer_code,bill_password,holder_name\n1,x,Mojca Kovač\n".encode())
    assert report.encoding == "utf-8"
    assert payers(manager)["1"].holder_name == "Mojca Kovač"


def test_windows_1250(manager):
    data = "payer_code;bill_password;holder_name;address\n100300;Geslo1;Čedo Šušteršič Žnidar;Tržaška 40\n"
    report = import_csv(manager, MANAGER_ID, data.encode("cp1250"))
    assert report.encoding == "cp1250"
    payer = payers(manager)["100300"]
    assert (payer.holder_name, payer.address) == ("Čedo Šušteršič Žnidar", "Tržaška 40")


def test_windows_1250_whose_bytes_happen_to_be_utf8_is_read_as_windows_1250(manager):
    # "ČŠ" in Windows-1250 is C8 8A, which is also valid UTF-8 (for "Ȋ"): the first guess would lose the password
    data = "payer_code;bill_password\n100300;ČŠ\n".encode("cp1250")
    assert data.decode("utf-8")  # the trap: it does decode
    report = import_csv(manager, MANAGER_ID, data)
    assert report.encoding == "cp1250"
    assert password_ok(manager, "100300", "ČŠ")


def test_a_file_that_is_not_text_is_refused_with_a_clear_error(manager):
    # 0x81 is undefined in Windows-1250, and C3 28 is no UTF-8: a spreadsheet or a picture uploaded by mistake
    with pytest.raises(CsvImportError) as refused:
        import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n100300,\x81\xc3\x28\n")
    assert "not text in UTF-8 or Windows-1250" in str(refused.value)
    assert "100300" not in payers(manager)


def test_utf8_with_cyrillic_names_stays_utf8(manager):
    report = import_csv(manager, MANAGER_ID, "payer_code,bill_password,holder_name\n1,x,Петар Јовановић\n".encode())
    assert report.encoding == "utf-8"
    assert payers(manager)["1"].holder_name == "Петар Јовановић"


def test_windows_1250_bill_password_with_diacritics_verifies_as_typed_in_the_browser(manager):
    data = "payer_code,bill_password\n100300,Šifra-č\n".encode("cp1250")
    import_csv(manager, MANAGER_ID, data)
    assert password_ok(manager, "100300", "Šifra-č")


# --- all or nothing ----------------------------------------------------------------------------------

BAD_FILES = {
    "empty bill password": (
        b"payer_code,bill_password,holder_name\n100200,Changed-1,Ana\n100300,,Nobody\n",
        ["line 3: bill_password is empty"],
    ),
    "blank bill password": (
        b"payer_code,bill_password\n100200,Changed-1\n100300,   \n",
        ["line 3: bill_password is empty"],
    ),
    "empty payer code": (b"payer_code,bill_password\n100200,Changed-1\n,Geslo\n", ["line 3: payer_code is empty"]),
    "duplicate code": (
        b"payer_code,bill_password\n100200,Changed-1\n100300,Geslo\n100 200,Other\n",
        ["line 4: payer code 100200 is already on line 2"],
    ),
    "too many values": (
        b"payer_code,bill_password\n100200,Changed-1\n100300,Geslo,extra\n",
        ["line 3: expected 2 values, found 3"],
    ),
    "too few values": (
        b"payer_code,bill_password,holder_name\n100200,Changed-1,Ana\n100300,Geslo\n",
        ["line 3: expected 3 values, found 2"],
    ),
    "over-long payer code": (
        b"payer_code,bill_password\n100200,Changed-1\n" + b"9" * 65 + b",x\n",
        ["line 3: payer_code is longer than 64 characters"],
    ),
    "control character": (
        b"payer_code,bill_password,holder_name\n100200,Changed-1,Ana\n100300,Geslo,An\x07a\n",
        ["line 3: holder_name contains control characters"],
    ),
    "several errors": (
        b"payer_code,bill_password\n100200,Changed-1\n100300,\n\n100301,a,b\n",
        ["line 3: bill_password is empty", "line 5: expected 2 values, found 3"],
    ),
}


@pytest.mark.parametrize("data, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_row_is_reported_by_line_and_nothing_of_the_file_is_applied(manager, data, expected):
    import_csv(manager, MANAGER_ID, SEED_CSV)
    before = {code: (p.bill_password_hash, p.holder_name) for code, p in payers(manager).items()}

    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, data)

    assert error_lines(exc) == expected
    # not even the good row before the bad one (an update of 100200) was kept
    assert {code: (p.bill_password_hash, p.holder_name) for code, p in payers(manager).items()} == before
    assert password_ok(manager, "100200", "Polozn1ca-Xq7-UNIQUE")
    assert count(manager, Payer) == 2


def test_bad_row_after_a_flushed_batch_still_applies_nothing(manager, monkeypatch):
    monkeypatch.setattr(csv_import, "BATCH_SIZE", 2)
    rows = b"".join(b"%d,Geslo%d\n" % (100300 + i, i) for i in range(7))
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n" + rows + b"100400,\n")
    assert error_lines(exc) == ["line 9: bill_password is empty"]
    assert count(manager, Payer) == 0


def test_duplicates_across_batches_name_the_first_line_in_line_order(manager, monkeypatch):
    """Duplicates are found a batch after the other errors (the database holds the codes seen): still reported by
    line, each naming the line the code first stood on; a second import on the same connection starts afresh."""
    monkeypatch.setattr(csv_import, "BATCH_SIZE", 2)
    data = b"payer_code,bill_password\n100300,A1\n100301,B1\n100302,C1\n100300,A2\n100303,\n100300,A3\n100302,C2\n"
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, data)
    assert error_lines(exc) == [
        "line 5: payer code 100300 is already on line 2",
        "line 6: bill_password is empty",
        "line 7: payer code 100300 is already on line 2",
        "line 8: payer code 100302 is already on line 4",
    ]
    assert count(manager, Payer) == 0
    report = import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n100300,A1\n100301,B1\n100302,C1\n")
    assert (report.rows, report.inserted) == (3, 3)


def test_the_first_errors_by_line_are_kept_when_capped(manager, monkeypatch):
    monkeypatch.setattr(csv_import, "BATCH_SIZE", 100)
    # 60 duplicates of line 2 (found at the end, in the last batch), after 60 empty passwords
    rows = b"100300,A\n" + b"".join(b"%d,\n" % (200000 + i) for i in range(60)) + b"100300,B\n" * 60
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n" + rows)
    lines = [e.line for e in exc.value.errors]
    assert lines == list(range(3, 3 + csv_import.MAX_REPORTED_ERRORS)) + [0]
    assert str(exc.value.errors[-1]) == "line 0: and 70 more errors"


@pytest.mark.sqlite_only("the process's own memory; the database's is the database server's")
def test_duplicate_detection_does_not_keep_every_code_in_memory(manager):
    """A 200 MB list has ten million codes: kept in the process they took gigabytes (bench/upload_memory.py
    measures the worker's peak RSS for 200 MB). Here 50 000 rows: Python's allocations stay those of a batch (4 MB;
    the codes kept in a dict made it 9.8 MB, and growing with every row)."""
    import io
    import tracemalloc

    from registration_bridge.csv_import import PayerImport

    rows = 50_000
    data = b"payer_code,bill_password\n" + b"".join(b"%d,G%d\n" % (10_000_000 + i, i) for i in range(rows))
    stream = io.BytesIO(data)
    with sessions(manager)() as s:
        importer = PayerImport(s, manager.extensions["bridge.hasher"])
        tracemalloc.start()
        try:
            report = importer.run(MANAGER_ID, stream)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.inserted == rows
    assert peak < 6_000_000, f"{peak / 1e6:.1f} MB"


def test_many_errors_are_capped_with_a_summary(manager):
    rows = b"".join(b"%d,\n" % (100300 + i) for i in range(60))
    with pytest.raises(CsvImportError) as exc:
        import_csv(manager, MANAGER_ID, b"payer_code,bill_password\n" + rows)
    assert len(exc.value.errors) == csv_import.MAX_REPORTED_ERRORS + 1
    assert str(exc.value.errors[-1]) == "line 0: and 10 more errors"


def test_unknown_manager_is_refused(app):
    with pytest.raises(CsvImportError) as exc:
        import_csv(app, "nobody", SEED_CSV)
    assert "unknown manager 'nobody'" in str(exc.value)
    assert count(app, Payer) == 0
