"""A wrong payer code and a wrong bill password for a real code cost the same: the time tells nothing."""

from __future__ import annotations

import statistics
import time

import pytest

from ..figures import record
from .support import VERIFY, make_settings, verify_body

ROUNDS = 150
# far above any difference of the two paths (both: one lookup, one keyed hash, one attempt row), far below
# what a single database lookup more or less would add on a loaded machine
TOLERANCE_MS = 5.0
# both paths run the same queries on any database; measured once, on SQLite, to keep network noise out
pytestmark = pytest.mark.sqlite_only(reason="a timing comparison of code paths, not of databases")


@pytest.fixture
def settings(database_url):
    # the guessing limits stay out of the way: both kinds of check must run to the end every time
    return make_settings(
        database_url,
        payer_max_failures=10**6,
        payer_delay_after_failures=10**6,
        ip_max_failures_per_hour=10**6,
        max_failures_per_hour=10**6,
    )


def test_unknown_code_and_wrong_password_take_indistinguishable_time(seeded, post_signed):
    unknown, wrong = [], []
    for _ in range(ROUNDS):  # interleaved, so machine load hits both alike
        for code, times in (("9" * 6, unknown), ("100200", wrong)):
            body = verify_body(payer_code=code, bill_password="Napacno-1", client_ip="10.0.0.1")
            started = time.perf_counter()
            assert post_signed(VERIFY, body).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    unknown_ms, wrong_ms = statistics.median(unknown), statistics.median(wrong)
    record("median check time: unknown code / wrong password (ms)", f"{unknown_ms:.2f} / {wrong_ms:.2f}")
    assert abs(unknown_ms - wrong_ms) < TOLERANCE_MS
