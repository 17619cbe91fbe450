"""Races the bridge settles in the database, as gunicorn workers (or replicas) would run them: one payer, one
account; one signed call, accepted once. Each racer has its own session, as each worker has its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from registration_bridge.guessing import GuessingGuard
from registration_bridge.payer_registry import ClaimOutcome, Outcome, PayerRegistry
from registration_bridge.replay import first_use

from ..figures import record
from .support import MANAGER_ID, claims_by_payer, run_threads, sessions

RACERS = 6


def race(seeded, action: Callable[[object, int], object]) -> list:
    """Runs action(session, i) in RACERS threads released together; returns their results (or raises their error)."""
    barrier = threading.Barrier(RACERS)
    results: list = [None] * RACERS
    errors: list[BaseException] = []

    def run(i: int) -> None:
        with sessions(seeded)() as session:
            try:
                barrier.wait(timeout=30)
                results[i] = action(session, i)
                session.commit()  # as the request's end does (transactions.py)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(RACERS)]
    run_threads(threads, "a racer")
    assert errors == [], errors
    return results


def test_racing_claims_of_one_payer_give_it_to_exactly_one_user(seeded):
    def claim(session, i):
        return PayerRegistry(session, seeded.extensions["bridge.hasher"]).claim(MANAGER_ID, "100200", f"user-{i}")

    outcomes = race(seeded, claim)
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.CLAIMED_BY_OTHER) == RACERS - 1
    winner = outcomes.index(ClaimOutcome.CLAIMED)
    assert claims_by_payer(seeded) == {"100200": f"user-{winner}"}


def test_one_signed_call_sent_by_racing_replays_is_accepted_once(seeded):
    verified = "ab" * 32  # the signature that verified, as signing.verify returns it

    def call(session, _i):
        accepted = first_use(session, verified, tolerance_seconds=300)
        session.commit()  # as the call's answer does (transactions.py): the others wait for this, then see it
        return accepted

    accepted = race(seeded, call)
    assert accepted.count(True) == 1


GUESSERS = 8


def test_racing_wrong_guesses_on_one_code_are_evaluated_exactly_as_the_rules_allow(seeded, settings):
    """8 wrong guesses at once on one payer code, each on its own connection (as 8 gunicorn workers): the rules let
    `payer_delay_after_failures` of them be compared, the rest must wait their delay, however they interleave."""
    hasher = seeded.extensions["bridge.hasher"]
    barrier = threading.Barrier(GUESSERS)
    outcomes: list = [None] * GUESSERS
    errors: list[BaseException] = []

    def guess(i: int) -> None:
        with sessions(seeded)() as session:
            try:
                registry = PayerRegistry(session, hasher, GuessingGuard(session, settings))
                barrier.wait(timeout=30)
                outcomes[i] = registry.check(MANAGER_ID, "100200", f"Napacno-{i}", f"198.51.100.{i}").outcome
                session.commit()  # as the request's end does (transactions.py): the next check waits for it
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    run_threads([threading.Thread(target=guess, args=(i,), daemon=True) for i in range(GUESSERS)], "a guesser")
    assert errors == [], errors
    evaluated = outcomes.count(Outcome.WRONG_BILL_PASSWORD)
    record(
        f"wrong guesses evaluated of {GUESSERS} at once on one code "
        f"({seeded.extensions['bridge.engine'].dialect.name})",
        f"{evaluated} (rule: {settings.payer_delay_after_failures})",
    )
    assert evaluated == settings.payer_delay_after_failures, outcomes
    assert outcomes.count(Outcome.DELAYED) == GUESSERS - settings.payer_delay_after_failures, outcomes
