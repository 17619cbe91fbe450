"""What each port of the bridge gives away or lets an attacker hold, with the bridge under gunicorn as in
production: the port Keycloak calls shows nothing that tells check outcomes apart (metrics are on the scraper's
port), and slow clients of the admin API can not take the workers that answer Keycloak's 3-second callbacks."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.figures import record

from .gunicorn_bridge import gunicorn_bridge, slow_client
from .support import PAYERS, verify_body

KEYCLOAK_TIMEOUT_SECONDS = 3  # BRIDGE_TIMEOUT_MS of the realm: past it the resident sees "try again later"
# what an attacker can ask the public port for without a signature: every route of the bridge, and guesses
PUBLIC_PATHS = (
    "/metrics",
    "/metrics/",
    "/healthz",
    "/openapi.json",
    "/v1/managers",
    "/",
    "/status",
    "/debug",
    "/v1/managers/staninvest/claims",
    "/v1/managers/staninvest/audit",
    "/v1/registrations/verify",
)
VARYING_HEADERS = {"date", "x-correlation-id"}


@pytest.fixture
def bridge(tmp_path: Path):
    with gunicorn_bridge(tmp_path) as running:
        yield running


def public_view(url: str) -> dict:
    """Everything an unauthenticated GET of each path on the public port answers (less the date and the fresh
    correlation id, which differ on every answer whatever happened)."""
    view = {}
    for path in PUBLIC_PATHS:
        response = requests.get(f"{url}{path}", timeout=5)
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in VARYING_HEADERS}
        view[path] = (response.status_code, sorted(headers.items()), response.text)
    return view


def test_the_public_port_shows_nothing_that_tells_check_outcomes_apart(bridge):
    before = public_view(bridge.callbacks_url)
    wrong_password = bridge.verify(verify_body(payer_code="100200", bill_password="Napacno-1"))
    after_wrong_password = public_view(bridge.callbacks_url)
    unknown_payer = bridge.verify(verify_body(payer_code="999999", bill_password="Napacno-1"))
    after_unknown_payer = public_view(bridge.callbacks_url)

    # the form's answer is the same for both ...
    assert wrong_password.json() == unknown_payer.json()
    assert wrong_password.headers["Content-Length"] == unknown_payer.headers["Content-Length"]
    # ... and nothing else on the port changes with either, nor names an outcome
    for path in PUBLIC_PATHS:
        assert before[path] == after_wrong_password[path] == after_unknown_payer[path], path
        assert not re.search(r"wrong_bill_password|unknown_payer|bridge_payer_checks", after_unknown_payer[path][2])
    # the counts are where the scraper looks
    scraped = requests.get(f"{bridge.metrics_url}/metrics", timeout=5).text
    assert 'bridge_payer_checks_total{outcome="wrong_bill_password"} 1.0' in scraped
    assert 'bridge_payer_checks_total{outcome="unknown_payer"} 1.0' in scraped


def test_the_scrapers_port_adds_up_the_counts_of_every_worker(bridge):
    codes = [str(900000 + n) for n in range(40)]  # a new code each call: no guessing delay changes the outcome
    with ThreadPoolExecutor(8) as pool:  # at the same time, so that both workers answer some
        answers = list(pool.map(lambda code: bridge.verify(verify_body(payer_code=code)), codes))
    assert all(answer.status_code == 200 for answer in answers)
    counted_by = {path.name for path in (Path(bridge.services[0].env["PROMETHEUS_MULTIPROC_DIR"])).glob("counter_*")}
    assert len(counted_by) >= 2, counted_by  # more than one worker counted
    for _ in range(4):  # whichever thread answers the scrape, it sees all of them
        scraped = requests.get(f"{bridge.metrics_url}/metrics", timeout=5).text
        assert f'bridge_payer_checks_total{{outcome="unknown_payer"}} {len(codes)}.0' in scraped


def test_slow_clients_of_the_admin_api_do_not_fail_a_registration_check(bridge):
    """Slowloris: connections that send an upload's request a byte a second, more of them than there are workers.
    Keycloak's signed checks meanwhile must all answer, within its timeout."""
    connections = [slow_client(bridge.admin_address) for _ in range(8)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(1):
            for connection in connections:
                try:
                    connection.send(b"X")
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    time.sleep(1)  # the slow clients are in (the workers of their port have taken them)
    latencies, answered = [], 0
    try:
        for _ in range(10):
            started = time.perf_counter()
            try:
                response = bridge.verify(
                    verify_body(payer_code="100200", bill_password=PAYERS["100200"]), timeout=KEYCLOAK_TIMEOUT_SECONDS
                )
                answered += response.status_code == 200 and response.json()["ok"] is True
            except requests.RequestException:
                pass
            latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        trickler.join()
        for connection in connections:
            connection.close()
    record(
        "verify answered ok while 8 slow clients hold the admin API",
        f"{answered}/10, slowest {max(latencies) * 1000:.0f} ms",
    )
    assert answered == 10, latencies
    assert max(latencies) < KEYCLOAK_TIMEOUT_SECONDS
