"""Payer imports under hypothesis: any list a billing system could export, in its encodings and separators,
imports whole and verifies as typed; one broken row anywhere leaves the registry as it was."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registration_bridge import create_app
from registration_bridge.csv_import import CsvImportError
from registration_bridge.models import Payer

from .conftest import DATABASES, new_database
from .support import MANAGER_ID, MANAGER_NAME, add_manager, count, import_csv, make_settings, password_ok

SLOVENIAN = "abcčdefghijklmnoprsštuvzžABCČDEFGHIJKLMNOPRSŠTUVZŽ0123456789-_.!?#"
codes = st.text(alphabet="0123456789ABCDEFGHJK-", min_size=1, max_size=12).filter(lambda c: c.strip("-"))
passwords = st.text(alphabet=SLOVENIAN, min_size=1, max_size=24).filter(str.strip)
names = st.text(alphabet=SLOVENIAN + " ,;\"'", max_size=40)
payer_lists = st.dictionaries(codes, st.tuples(passwords, names), min_size=1, max_size=25)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1250"])
separators = st.sampled_from([",", ";", "\t"])
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", params=DATABASES)
def app(request, tmp_path_factory):
    with new_database(request.param, request, tmp_path_factory.mktemp("csv")) as database_url:
        app = create_app(make_settings(database_url))
        add_manager(app, MANAGER_ID, MANAGER_NAME)
        yield app
        app.extensions["bridge.engine"].dispose()


def export(payers: dict[str, tuple[str, str]], separator: str, encoding: str, broken_at: int | None = None) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["payer_code", "bill_password", "holder_name"])
    for i, (code, (password, name)) in enumerate(payers.items()):
        if i == broken_at:
            writer.writerow([f"{code}X", "", name])  # a row without its bill password
        writer.writerow([code, password, name])
    return text.getvalue().encode(encoding)


@PROPERTY
@given(payers=payer_lists, separator=separators, encoding=encodings)
def test_any_export_imports_whole_and_every_bill_password_verifies(app, payers, separator, encoding):
    report = import_csv(app, MANAGER_ID, export(payers, separator, encoding))
    assert report.rows == len(payers)
    for code, (password, _name) in payers.items():
        assert password_ok(app, code, password)


@PROPERTY
@given(payers=payer_lists, separator=separators, encoding=encodings, data=st.data())
def test_one_broken_row_anywhere_applies_nothing(app, payers, separator, encoding, data):
    before = count(app, Payer)
    broken_at = data.draw(st.integers(min_value=0, max_value=len(payers) - 1))
    with pytest.raises(CsvImportError) as refused:
        import_csv(app, MANAGER_ID, export(payers, separator, encoding, broken_at=broken_at))
    assert any(f"line {broken_at + 2}" in str(error) for error in refused.value.errors)
    assert count(app, Payer) == before
