"""schemathesis against the bridge's own OpenAPI document: no 500s, answers that match the document.

Signed endpoints get a valid signature for whatever body schemathesis generates, so the fuzzing reaches the
handlers instead of stopping at 401.
"""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from registration_bridge import create_app
from registration_bridge.api.openapi import SPEC
from registration_bridge.signing import HEADER, sign
from schemathesis.specs.openapi.checks import ignored_auth

from ..figures import record
from .conftest import DATABASES, new_database
from .support import CALLBACK_SECRET, MANAGER_ID, MANAGER_NAME, SEED_CSV, add_manager, import_csv, make_settings

EXAMPLES_PER_OPERATION = 60
FUZZED: dict[str, int] = {}


schema = schemathesis.openapi.from_dict(SPEC)


@pytest.fixture(scope="module", params=DATABASES)
def seeded_app(request, tmp_path_factory):
    """One app per database for all the fuzzing (each case is sent to it with case.call(app=…))."""
    with new_database(request.param, request, tmp_path_factory.mktemp("fuzz")) as database_url:
        app = create_app(make_settings(database_url, smtp_port=9))  # no mail: 503
        add_manager(app, MANAGER_ID, MANAGER_NAME)
        import_csv(app, MANAGER_ID, SEED_CSV)
        yield app
        app.extensions["bridge.engine"].dispose()


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_bridge_fail_or_break_its_contract(case, seeded_app):
    from schemathesis.core import NotSet

    operation = f"{case.method} {case.path}"
    FUZZED[operation] = FUZZED.get(operation, 0) + 1
    # a failure below stops the test before this figure could claim "0 found"

    if case.method == "POST" and not isinstance(case.body, NotSet):
        raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode("utf-8")
        headers = {HEADER: sign(CALLBACK_SECRET, raw), "Content-Type": "application/json"}
        response = case.call(app=seeded_app, headers=headers, data=raw)
    else:
        response = case.call(app=seeded_app)
    assert response.status_code < 500 or (case.path == "/v1/inquiries" and response.status_code == 503), \
        f"{case.method} {case.path} answered {response.status_code}"
    # our own valid signature replaces the one schemathesis made up, so its "ignored auth" check does not apply
    case.validate_response(response, excluded_checks=[ignored_auth])
    paths = {key.split(" ", 1)[1] for key in FUZZED}
    record("fuzz (schemathesis): requests / 500s or contract breaks found",
           f"{sum(FUZZED.values())} over {len(paths)} paths (all methods) / 0")
