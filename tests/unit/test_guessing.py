"""Guessing bill passwords: growing delays, a lock per payer code, a budget per client IP; never an oracle."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from registration_bridge.cli import main as cli
from registration_bridge.guessing import GuessingGuard
from registration_bridge.models import VerificationAttempt

from ..figures import record
from .support import NOT_VERIFIED_ANSWER, PAYERS, VERIFY, attempt_outcomes, make_settings, sessions, verify_body

RIGHT = PAYERS["100200"]


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, ip_max_failures_per_hour=6, max_failures_per_hour=8)


def check(post_signed, password: str, code: str = "100200", ip: str = "192.0.2.10") -> dict:
    response = post_signed(VERIFY, verify_body(payer_code=code, bill_password=password, client_ip=ip))
    assert response.status_code == 200
    return response.get_json()


def fail(post_signed, times: int, code: str = "100200", ip: str = "192.0.2.10") -> None:
    for _ in range(times):
        assert check(post_signed, "Napacno-1", code, ip) == NOT_VERIFIED_ANSWER


def age_attempts(app, by: timedelta) -> None:
    """Move every recorded attempt back in time, as if `by` had passed."""
    with sessions(app)() as s:
        for attempt in s.scalars(select(VerificationAttempt)):
            attempt.at = attempt.at - by
        s.commit()


def test_two_failures_do_not_slow_down_the_right_password(seeded, post_signed):
    fail(post_signed, 2)
    assert check(post_signed, RIGHT)["ok"] is True


def test_from_the_third_failure_the_next_check_waits_and_then_works(seeded, post_signed):
    fail(post_signed, 3)
    assert check(post_signed, RIGHT) == NOT_VERIFIED_ANSWER  # too soon: not even compared
    assert attempt_outcomes(seeded)[-1] == "delayed"
    age_attempts(seeded, timedelta(seconds=31))
    assert check(post_signed, RIGHT)["ok"] is True


def test_delays_grow_and_are_capped(settings, seeded):
    with sessions(seeded)() as s:
        guard = GuessingGuard(s, settings)
        assert [guard.delay_after(n).total_seconds() for n in (2, 3, 4, 5, 8, 9)] == [0, 30, 60, 120, 900, 900]


def test_ten_failures_lock_the_code_and_the_form_can_not_tell(seeded, post_signed):
    attempts = 0
    while not attempt_outcomes(seeded) or attempt_outcomes(seeded)[-1] != "locked":
        assert check(post_signed, "Napacno-1") == NOT_VERIFIED_ANSWER
        age_attempts(seeded, timedelta(minutes=20))  # wait out every delay
        attempts += 1
        assert attempts <= 11
    record("wrong bill passwords until a payer code locks", f"{attempts - 1} (the {attempts}th check is refused)")
    assert attempts - 1 == 10
    assert check(post_signed, RIGHT) == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "locked"
    age_attempts(seeded, timedelta(hours=25))  # the window passes
    assert check(post_signed, RIGHT)["ok"] is True


def test_the_manager_unlocks_a_locked_code(seeded, post_signed, settings, monkeypatch):
    for _ in range(10):
        check(post_signed, "Napacno-1")
        age_attempts(seeded, timedelta(minutes=20))
    assert check(post_signed, RIGHT) == NOT_VERIFIED_ANSWER
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BRIDGE_BILL_PASSWORD_KEY", settings.bill_password_key)
    result = CliRunner().invoke(cli, ["unlock", "--manager", "staninvest", "--by", "uprava", "1002 00"])
    assert result.exit_code == 0, result.output
    assert "unlocked staninvest:100200 (by uprava)" in result.output
    assert check(post_signed, RIGHT)["ok"] is True


def test_an_unknown_code_locks_like_a_real_one(seeded, post_signed):
    for _ in range(10):
        check(post_signed, "Napacno-1", code="555555")
        age_attempts(seeded, timedelta(minutes=20))
    assert check(post_signed, "Napacno-1", code="555555") == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "locked"


def test_one_address_gets_a_failure_budget_per_hour_and_others_do_not_share_it(seeded, post_signed):
    for code in ("1", "2", "3", "4", "5", "6"):  # different codes: only the address budget applies
        check(post_signed, "x", code=code, ip="198.51.100.7")
    assert check(post_signed, RIGHT, ip="198.51.100.7") == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "ip_throttled"
    assert check(post_signed, RIGHT, ip="198.51.100.8")["ok"] is True
    age_attempts(seeded, timedelta(minutes=61))
    assert check(post_signed, PAYERS["100201"], code="100201", ip="198.51.100.7")["ok"] is True


def test_the_overall_failure_budget_stops_a_spread_out_attack(seeded, post_signed):
    for n in range(8):  # eight addresses, eight codes: neither per-code nor per-address limits are reached
        check(post_signed, "x", code=f"9{n}", ip=f"203.0.113.{n}")
    assert check(post_signed, RIGHT, ip="203.0.113.200") == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "overall_throttled"
    age_attempts(seeded, timedelta(minutes=61))
    assert check(post_signed, RIGHT, ip="203.0.113.200")["ok"] is True


def test_the_indexes_and_queries_name_the_same_failures_as_the_guard():
    from registration_bridge.guessing import FAILURES
    from registration_bridge.models import FAILED_OUTCOMES_SQL

    assert sorted(re.findall(r"'(\w+)'", FAILED_OUTCOMES_SQL)) == sorted(FAILURES)
