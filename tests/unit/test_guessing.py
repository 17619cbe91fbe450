"""Guessing bill passwords: growing delays, a lock per payer code, a budget per client IP; never an oracle."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from registration_bridge.cli import main as cli
from registration_bridge.guessing import GuessingGuard, network_key
from registration_bridge.metrics import GUESSING_UNDER_ATTACK
from registration_bridge.models import VerificationAttempt, utcnow
from sqlalchemy import insert, select

from ..figures import record
from .support import NOT_VERIFIED_ANSWER, PAYERS, VERIFY, attempt_outcomes, make_settings, sessions, verify_body

RIGHT = PAYERS["100200"]


@pytest.fixture
def settings(database_url):
    return make_settings(
        database_url,
        ip_max_failures_per_hour=6,
        max_failures_per_hour=8,
        ip_max_failures_per_hour_under_attack=3,
        attack_check_seconds=0,
    )


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


def flood(app, failures: int, minutes_ago: float = 1) -> None:
    """`failures` wrong guesses, each from its own network and on its own code, as a botnet spreads them."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    rows = [
        {
            "manager_id": "staninvest",
            "payer_code": f"9{n}",
            "outcome": "wrong_bill_password",
            "client_ip": f"2001:db8:{n // 65536:x}:{n % 65536:x}::1",
            "at": at,
        }
        for n in range(failures)
    ]
    for row in rows:
        row["client_network"] = network_key(row["client_ip"])
    with sessions(app)() as s:
        s.execute(insert(VerificationAttempt), rows)
        s.commit()


def test_a_flood_of_failures_refuses_no_correct_bill_password(seeded, post_signed, settings, caplog):
    flood(seeded, settings.max_failures_per_hour)  # the overall limit reached, from many networks
    answers = [check(post_signed, RIGHT, ip=f"192.0.2.{n}") for n in range(1, 21)]  # residents, fresh networks
    refused = sum(not answer["ok"] for answer in answers)
    record("correct bill passwords refused during a simulated flood", f"{refused} of {len(answers)}")
    assert refused == 0
    assert all(answer["captcha_required"] is True for answer in answers)  # the form may ask for a captcha
    assert "overall_throttled" not in attempt_outcomes(seeded)
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "under attack" in r.getMessage()]
    assert len(warnings) == 1  # once for the attack, not once a call
    assert GUESSING_UNDER_ATTACK._value.get() == 1


def test_under_attack_a_failing_network_gets_a_smaller_budget(seeded, post_signed, settings):
    flood(seeded, settings.max_failures_per_hour)
    for _ in range(settings.ip_max_failures_per_hour_under_attack):
        assert check(post_signed, "Napacno-1", code="555555", ip="198.51.100.7")["ok"] is False
    answer = check(post_signed, PAYERS["100201"], code="100201", ip="198.51.100.7")
    assert not answer["ok"] and answer["captcha_required"] is True
    assert attempt_outcomes(seeded)[-1] == "ip_throttled"
    assert check(post_signed, PAYERS["100201"], code="100201", ip="198.51.100.8")["ok"] is True


def test_without_an_attack_the_answer_asks_for_no_captcha(seeded, post_signed, settings):
    flood(seeded, settings.max_failures_per_hour, minutes_ago=61)  # an attack of more than an hour ago
    answer = check(post_signed, RIGHT)
    assert answer["ok"] is True and "captcha_required" not in answer
    assert GUESSING_UNDER_ATTACK._value.get() == 0


def test_the_addresses_of_one_ipv6_64_share_one_budget(seeded, post_signed):
    for n, code in enumerate(("1", "2", "3", "4", "5", "6"), start=1):  # a new address of the /64 for each guess
        check(post_signed, "x", code=code, ip=f"2001:db8:5:7::{n:x}")
    assert check(post_signed, RIGHT, ip="2001:db8:5:7:ffff::99") == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "ip_throttled"
    assert check(post_signed, RIGHT, ip="2001:db8:5:8::1")["ok"] is True  # the next /64 is another network


def test_an_ipv4_mapped_address_counts_as_the_ipv4_address(seeded, post_signed):
    for code in ("1", "2", "3"):
        check(post_signed, "x", code=code, ip="198.51.100.7")
    for code in ("4", "5", "6"):
        check(post_signed, "x", code=code, ip="::ffff:198.51.100.7")
    assert check(post_signed, RIGHT, ip="198.51.100.7") == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "ip_throttled"


def test_network_keys():
    assert network_key("198.51.100.7") == "198.51.100.7"
    assert network_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert network_key("2001:db8:5:7:1:2:3:4") == network_key("2001:DB8:5:7::9") == "2001:db8:5:7::/64"
    assert network_key("fe80::1%eth0") == "fe80::/64"
    assert network_key("not an address") == "not an address"
    assert network_key("") is None and network_key(None) is None


def test_the_indexes_and_queries_name_the_same_failures_as_the_guard():
    from registration_bridge.guessing import FAILURES
    from registration_bridge.models import FAILED_OUTCOMES_SQL

    assert sorted(re.findall(r"'(\w+)'", FAILED_OUTCOMES_SQL)) == sorted(FAILURES)
