"""schemathesis against the bridge's own OpenAPI document: no 500s, answers that match the document.

Signed endpoints get a valid signature for whatever body schemathesis generates, and the admin API a valid
platform admin's access token (signed by a local key the app trusts instead of Keycloak's), so the fuzzing reaches
the handlers instead of stopping at 401. For the admin API schemathesis also checks that leaving the token out
is refused.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from registration_bridge import create_app
from registration_bridge.access_tokens import AccessTokenVerifier
from registration_bridge.api.openapi import SPEC
from registration_bridge.signing import HEADER, sign
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from ..figures import record
from .conftest import DATABASES, new_database
from .support import CALLBACK_SECRET, MANAGER_ID, MANAGER_NAME, SEED_CSV, add_manager, import_csv, make_settings
from .tokens import AUDIENCE, SigningKey, access_claims, bearer

EXAMPLES_PER_OPERATION = 60
FUZZED: dict[str, int] = {}


REALM_KEY = SigningKey()
# the realm the fuzzed apps trust (the same for every database)
ISSUER = make_settings("sqlite://", smtp_port=9).realm_issuer


schema = schemathesis.openapi.from_dict(SPEC)


@pytest.fixture(scope="module", params=DATABASES)
def seeded_app(request, tmp_path_factory):
    """One app per database for all the fuzzing (each case is sent to it with case.call(app=…))."""
    with new_database(request.param, request, tmp_path_factory.mktemp("fuzz")) as database_url:
        app = create_app(make_settings(database_url, smtp_port=9), role="all")  # no mail: 503
        add_manager(app, MANAGER_ID, MANAGER_NAME)
        import_csv(app, MANAGER_ID, SEED_CSV)
        # the realm's key, without a Keycloak to publish it: the verifier (with its real checks) trusts REALM_KEY
        app.extensions["bridge.token_verifier"] = AccessTokenVerifier(
            lambda kid: REALM_KEY.key if kid == REALM_KEY.kid else None, issuer=ISSUER, audience=AUDIENCE, leeway=30
        )
        yield app
        app.extensions["bridge.engine"].dispose()


@schema.auth(refresh_interval=60).apply_to(path_regex=r"^/v1/managers/\{")
class PlatformAdminToken:
    """A platform admin's access token for the admin API (schemathesis also probes without it and with a bad one)."""

    def get(self, case, context) -> str:
        return REALM_KEY.sign(access_claims(roles=["platform-admin"], iss=ISSUER))

    def set(self, case, token: str, context) -> None:
        case.headers = {**(case.headers or {}), **bearer(token)}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_bridge_fail_or_break_its_contract(case, seeded_app):
    from schemathesis.core import NotSet

    operation = f"{case.method} {case.path}"
    FUZZED[operation] = FUZZED.get(operation, 0) + 1
    # a failure below stops the test before this figure could claim "0 found"

    admin_api = case.path.startswith("/v1/managers/{")
    # schemathesis's own calls (that a call without the token fails) go to this database's app too
    case.operation.app = case.operation.schema.app = seeded_app
    if admin_api:
        response = case.call(app=seeded_app)
    elif case.method == "POST" and not isinstance(case.body, NotSet):
        raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode("utf-8")
        headers = {
            HEADER: sign(CALLBACK_SECRET, case.method.upper(), case.path, raw),
            "Content-Type": "application/json",
        }
        response = case.call(app=seeded_app, headers=headers, data=raw)
    else:
        response = case.call(app=seeded_app)
    assert response.status_code < 500 or (case.path == "/v1/inquiries" and response.status_code == 503), (
        f"{case.method} {case.path} answered {response.status_code}"
    )
    # our own valid signature replaces the one schemathesis made up, so its "ignored auth" check does not apply
    # to the callbacks; for the admin API it does (a request without the token must be refused)
    excluded = [] if admin_api else [ignored_auth]
    if case.path == "/v1/managers/{manager_id}/payers":
        # any string is a schema-valid text/csv body, but only a well-formed payer list is accepted (else 400 with
        # the problems): the rules of a CSV file are beyond what the schema can say
        excluded.append(positive_data_acceptance)
    if case.path == "/v1/inquiries":
        # the same for an inquiry: a schema-valid body may be refused per field (400: a name with "<>@,", an
        # address that is not one, an unknown manager)
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
    paths = {key.split(" ", 1)[1] for key in FUZZED}
    record(
        "fuzz (schemathesis): requests / 500s or contract breaks found",
        f"{sum(FUZZED.values())} over {len(paths)} paths (all methods) / 0",
    )
