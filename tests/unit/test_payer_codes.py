"""The payer-code rule and the account format, checked against the vectors shared with the Keycloak provider
(keycloak-theme PayerAccountsTest reads the same file): both sides must turn a pasted code into the same code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from registration_bridge.payer_accounts import REMOVED, format_account, normalize_payer_code, parse_account

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "payer-codes.json").read_text("utf-8"))


@pytest.mark.parametrize("case", VECTORS["normalise"], ids=lambda c: c["case"])
def test_normalise_matches_the_shared_vector(case):
    assert normalize_payer_code(case["raw"]) == case["code"]


def test_exactly_the_listed_code_points_are_removed():
    removed = {int(c[2:], 16) for c in VECTORS["removed_code_points"]}
    kept = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and c not in removed]
    assert all(normalize_payer_code(f"1{chr(c)}2") == "12" for c in removed)
    assert [hex(c) for c in kept if normalize_payer_code(f"1{chr(c)}2") != f"1{chr(c)}2"] == []


@pytest.mark.parametrize("case", VECTORS["format"], ids=lambda c: c["account"])
def test_format_matches_the_shared_vector(case):
    assert format_account(case["manager_id"], case["payer_code"]) == case["account"]
    assert parse_account(case["account"]) == (case["manager_id"], case["payer_code"])


@pytest.mark.parametrize("case", VECTORS["format_refuses"], ids=lambda c: c["manager_id"] or "empty")
def test_format_refuses_a_manager_id_that_would_not_parse_back(case):
    with pytest.raises(ValueError):
        format_account(case["manager_id"], case["payer_code"])


@pytest.mark.parametrize("case", VECTORS["parse"], ids=lambda c: c["account"] or "empty")
def test_parse_matches_the_shared_vector(case):
    expected = None if case["parsed"] is None else tuple(case["parsed"])
    assert parse_account(case["account"]) == expected


def test_the_listed_code_points_are_pythons_whitespace_and_three_invisible_ones():
    listed = {int(c[2:], 16) for c in VECTORS["removed_code_points"]}
    assert listed == {c for c in range(0x110000) if chr(c).isspace()} | {0x200B, 0x2060, 0xFEFF}
    assert listed == set(map(ord, REMOVED))
