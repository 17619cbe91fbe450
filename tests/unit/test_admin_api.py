"""The admin API for payer lists: Keycloak access tokens (checked against the realm's JWKS), rights per manager,
CSV uploads with the import's rules, claims, and the audit log.

Keycloak is not running here: its JWKS is served through `responses` from a locally generated RSA key.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
import responses
from registration_bridge.models import AuditEntry, Payer
from sqlalchemy import select

from .support import (
    MANAGER_ID,
    PAYERS,
    SEED_CSV,
    VERIFY,
    add_manager,
    claim,
    count,
    make_settings,
    password_ok,
    payers,
    sessions,
    verify_body,
)
from .tokens import (
    AUDIENCE,
    ISSUER,
    JWKS_URL,
    KEYCLOAK_INTERNAL,
    KEYCLOAK_PUBLIC,
    SigningKey,
    access_claims,
    bearer,
    hs256_token,
    jwks,
    unsigned_token,
)

OTHER_MANAGER = "domovanje"
NEW_PASSWORD = "Nova-Polozn1ca-UNIQUE-9z"
NEW_CSV = (
    "payer_code;bill_password;holder_name;address;unit\n"
    f"300400;{NEW_PASSWORD};Mojca Kos;Celovška 100 Ljubljana;7\n"
    f"100200;{PAYERS['100200']};Ana Novak;Cesta v Mestni log 12 Ljubljana;3\n"
).encode()


def payers_url(manager_id: str = MANAGER_ID) -> str:
    return f"/v1/managers/{manager_id}/payers"


@pytest.fixture
def settings(database_url):
    # the bridge reaches Keycloak internally; tokens carry its public URL; unknown key ids refetch at once here
    # (the refetch interval has its own tests below)
    return make_settings(
        database_url, keycloak_url=KEYCLOAK_INTERNAL, keycloak_public_url=KEYCLOAK_PUBLIC, jwks_min_refetch_seconds=0
    )


@pytest.fixture
def realm_key():
    return SigningKey()


@pytest.fixture
def keycloak(realm_key):
    """Keycloak's JWKS endpoint, publishing realm_key (and an encryption key)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(JWKS_URL, json=jwks(realm_key))
        yield mock


@pytest.fixture
def managers(seeded):
    """staninvest (with SEED_CSV's payers) and domovanje (none yet)."""
    add_manager(seeded, OTHER_MANAGER, "Domovanje d.o.o.")
    return seeded


@pytest.fixture
def staff(realm_key, keycloak):
    """Authorization headers of a staff member of one manager."""

    def headers(manager_id: str = MANAGER_ID, **claims) -> dict:
        return bearer(realm_key.sign(access_claims(groups=[f"/manager-staff/{manager_id}"], **claims)))

    return headers


@pytest.fixture
def platform_admin(realm_key, keycloak):
    return bearer(
        realm_key.sign(access_claims(roles=["platform-admin"], groups=["/platform-admins"], username="platform.admin"))
    )


def upload(client, headers: dict, data: bytes = NEW_CSV, manager_id: str = MANAGER_ID):
    return client.post(payers_url(manager_id), data=data, headers=headers, content_type="text/csv; charset=utf-8")


def audit_entries(app) -> list[AuditEntry]:
    with sessions(app)() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def assert_refused_token(response):
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="payer-admin-api", error="invalid_token"')


# --- a valid token: the upload works --------------------------------------------------------------


def test_a_managers_staff_uploads_a_csv_and_gets_the_counts(managers, client, staff):
    response = upload(client, staff())
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "manager_id": MANAGER_ID,
        "rows": 2,
        "inserted": 1,
        "updated": 0,
        "unchanged": 1,
        "encoding": "utf-8",
    }
    assert password_ok(managers, "300400", NEW_PASSWORD)
    assert payers(managers)["300400"].holder_name == "Mojca Kos"


def test_an_uploaded_payer_can_register(managers, client, staff, post_signed):
    upload(client, staff())
    answer = post_signed(VERIFY, verify_body(payer_code="300400", bill_password=NEW_PASSWORD)).get_json()
    assert answer["ok"] is True
    assert answer["attributes"]["payer_accounts"] == [f"{MANAGER_ID}:300400"]


def test_multipart_file_upload_works_too(managers, client, staff):
    response = client.post(
        payers_url(),
        headers=staff(),
        content_type="multipart/form-data",
        data={"file": (__import__("io").BytesIO(NEW_CSV), "export-2025-01.csv")},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["inserted"] == 1
    assert audit_entries(managers)[-1].details["source"] == "export-2025-01.csv"


def test_a_multipart_form_without_the_file_field_is_400(managers, client, staff):
    response = client.post(
        payers_url(),
        headers=staff(),
        content_type="multipart/form-data",
        data={"other": (__import__("io").BytesIO(NEW_CSV), "x.csv")},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_other_media_types_are_415(managers, client, staff):
    response = client.post(
        payers_url(), headers=staff(), data=json.dumps({"csv": "x"}), content_type="application/json"
    )
    assert response.status_code == 415
    assert count(managers, Payer) == 2


def test_a_list_larger_than_the_callback_limit_is_accepted_up_to_the_upload_limit(database_url, keycloak, realm_key):
    from registration_bridge import create_app

    app = create_app(
        make_settings(
            database_url, keycloak_url=KEYCLOAK_INTERNAL, keycloak_public_url=KEYCLOAK_PUBLIC, max_upload_bytes=200_000
        ),
        role="all",
    )
    add_manager(app, MANAGER_ID, "Staninvest d.o.o.")
    rows = "".join(f"{500000 + i},Geslo-{i:06d},Imetnik {i}\n" for i in range(3000))
    big = ("payer_code,bill_password,holder_name\n" + rows).encode()
    assert 16 * 1024 < len(big) < 200_000
    headers = bearer(realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"])))
    client = app.test_client()
    response = upload(client, headers, big)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["inserted"] == 3000

    too_big = big + rows.encode() * 2
    assert len(too_big) > 200_000
    response = upload(client, headers, too_big)
    assert response.status_code == 413
    assert count(app, Payer) == 3000
    # the callbacks keep their small limit
    assert client.post(VERIFY, data=b"{" + b" " * 20_000 + b"}", content_type="application/json").status_code == 413
    app.extensions["bridge.engine"].dispose()


# --- tokens that are refused -----------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge_and_nothing_imported(managers, client, keycloak):
    response = upload(client, {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="payer-admin-api"'
    assert count(managers, Payer) == 2
    assert audit_entries(managers) == []


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": "https://evil.example/realms/esoseska"}, id="other issuer"),
        pytest.param({"iss": f"{KEYCLOAK_INTERNAL}/realms/esoseska"}, id="internal URL as issuer"),
        pytest.param({"iss": f"{KEYCLOAK_PUBLIC}/realms/master"}, id="other realm"),
        pytest.param({"aud": ["account"]}, id="other audience"),
        pytest.param({"aud": None}, id="no audience"),
        pytest.param({"exp": int(time.time()) - 120}, id="expired"),
        pytest.param({"exp": None}, id="no expiry"),
        pytest.param({"nbf": int(time.time()) + 300}, id="not yet valid"),
        pytest.param({"typ": "ID"}, id="an ID token"),
        pytest.param({"sub": None}, id="no subject"),
    ],
)
def test_tokens_with_wrong_claims_are_401(managers, client, realm_key, keycloak, claims):
    token = realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"], **claims))
    assert_refused_token(upload(client, bearer(token)))
    assert count(managers, Payer) == 2


def test_clock_skew_within_the_leeway_is_accepted(managers, client, realm_key, keycloak):
    now = int(time.time())
    token = realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"], exp=now - 10, nbf=now + 10))
    assert upload(client, bearer(token)).status_code == 200


def test_a_token_signed_by_another_key_with_the_realms_key_id_is_401(managers, client, realm_key, keycloak):
    forger = SigningKey(kid=realm_key.kid)
    assert_refused_token(upload(client, bearer(forger.sign(access_claims(roles=["platform-admin"])))))


def test_alg_none_is_401(managers, client, realm_key, keycloak):
    token = unsigned_token(access_claims(roles=["platform-admin"]), realm_key.kid)
    assert_refused_token(upload(client, bearer(token)))
    assert count(managers, Payer) == 2


@pytest.mark.parametrize("secret", ["pem", "jwk"])
def test_hs256_signed_with_the_published_public_key_is_401(managers, client, realm_key, keycloak, secret):
    public = realm_key.key.as_pem(private=False) if secret == "pem" else json.dumps(realm_key.public_jwk()).encode()
    token = hs256_token(access_claims(roles=["platform-admin"]), realm_key.kid, public)
    assert_refused_token(upload(client, bearer(token)))
    assert count(managers, Payer) == 2


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "ey.ey.ey", "x" * 20000])
def test_garbage_tokens_are_401(managers, client, keycloak, token):
    assert_refused_token(upload(client, bearer(token)))


def test_a_token_tampered_after_signing_is_401(managers, client, realm_key, keycloak):
    token = realm_key.sign(access_claims(groups=[f"/manager-staff/{OTHER_MANAGER}"]))
    header, payload, signature = token.split(".")
    forged = json.loads(__import__("base64").urlsafe_b64decode(payload + "=="))
    forged["groups"] = [f"/manager-staff/{MANAGER_ID}"]
    payload = __import__("base64").urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert_refused_token(upload(client, bearer(f"{header}.{payload}.{signature}")))


# --- the realm's keys: fetched, cached, refetched, failing closed -----------------------------------


def test_keys_are_fetched_once_and_cached(managers, client, staff, keycloak):
    for _ in range(3):
        assert client.get(f"/v1/managers/{MANAGER_ID}/claims", headers=staff()).status_code == 200
    assert len(keycloak.calls) == 1


def test_an_unknown_key_id_fetches_the_keys_again_after_a_rotation(managers, client, realm_key, keycloak):
    assert (
        client.get(
            f"/v1/managers/{MANAGER_ID}/claims",
            headers=bearer(realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"]))),
        ).status_code
        == 200
    )
    rotated = SigningKey()
    keycloak.replace(responses.GET, JWKS_URL, json=jwks(rotated, realm_key))
    token = rotated.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"]))
    assert upload(client, bearer(token)).status_code == 200
    assert len(keycloak.calls) == 2


def test_a_key_id_the_realm_does_not_have_is_401_after_the_refetch(managers, client, realm_key, keycloak):
    stranger = SigningKey()
    assert_refused_token(upload(client, bearer(stranger.sign(access_claims(roles=["platform-admin"])))))
    assert len(keycloak.calls) == 2  # the first fetch and one refetch for the unknown key id


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"body": requests.ConnectionError("refused")}, id="unreachable"),
        pytest.param({"body": requests.Timeout("slow")}, id="too slow"),
        pytest.param({"status": 503, "body": "down"}, id="503"),
        pytest.param({"status": 200, "body": "<html>login</html>"}, id="not JSON"),
        pytest.param({"status": 200, "json": {"keys": []}}, id="no keys"),
    ],
)
def test_keys_that_can_not_be_fetched_fail_closed_with_503(managers, client, realm_key, failure):
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, **failure)
        token = realm_key.sign(access_claims(roles=["platform-admin"]))
        response = upload(client, bearer(token))
    assert response.status_code == 503
    assert response.get_json()["error"] == "keys_unavailable"
    assert count(managers, Payer) == 2


def test_refused_callers_never_reach_the_keys_when_they_send_no_token(managers, client):
    with responses.RequestsMock() as mock:  # any request to Keycloak would fail this test
        assert upload(client, {}).status_code == 401
        assert len(mock.calls) == 0


# --- rights: staff of one manager, platform admins of all -----------------------------------------


def test_staff_of_another_manager_get_403_and_nothing_is_imported(managers, client, staff):
    response = upload(client, staff(OTHER_MANAGER))
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert "300400" not in payers(managers)
    assert audit_entries(managers) == []
    assert client.get(f"/v1/managers/{MANAGER_ID}/claims", headers=staff(OTHER_MANAGER)).status_code == 403
    assert client.get(f"/v1/managers/{MANAGER_ID}/audit", headers=staff(OTHER_MANAGER)).status_code == 403


def test_a_valid_token_without_any_staff_group_or_role_gets_403(managers, client, realm_key, keycloak):
    token = realm_key.sign(access_claims(groups=["/manager-staff", "/residents"], roles=["offline_access"]))
    assert upload(client, bearer(token)).status_code == 403


def test_a_lookalike_group_gives_no_rights(managers, client, realm_key, keycloak):
    token = realm_key.sign(
        access_claims(
            groups=[f"/other/manager-staff/{MANAGER_ID}", f"manager-staff/{MANAGER_ID}", f"/manager-staff-{MANAGER_ID}"]
        )
    )
    assert upload(client, bearer(token)).status_code == 403


def test_a_subgroup_of_a_managers_staff_group_counts_as_its_staff(managers, client, realm_key, keycloak):
    token = realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}/accounting"]))
    assert upload(client, bearer(token)).status_code == 200


def test_staff_of_two_managers_may_upload_to_both(managers, client, realm_key, keycloak):
    headers = bearer(
        realm_key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}", f"/manager-staff/{OTHER_MANAGER}"]))
    )
    assert upload(client, headers).status_code == 200
    assert upload(client, headers, manager_id=OTHER_MANAGER).status_code == 200


def test_a_platform_admin_may_upload_to_every_manager(managers, client, platform_admin):
    assert upload(client, platform_admin).status_code == 200
    response = upload(client, platform_admin, manager_id=OTHER_MANAGER)
    assert response.status_code == 200 and response.get_json()["inserted"] == 2
    assert sorted(payers(managers, OTHER_MANAGER)) == ["100200", "300400"]


def test_an_unknown_manager_is_404_for_a_platform_admin_and_403_for_staff(managers, client, platform_admin, staff):
    assert upload(client, platform_admin, manager_id="nobody").status_code == 404
    assert upload(client, staff(), manager_id="nobody").status_code == 403


# --- CSV problems: 400 with line numbers, nothing imported -----------------------------------------


def test_a_csv_with_errors_is_400_with_line_numbers_and_nothing_is_imported(managers, client, staff):
    bad = b"payer_code,bill_password\n300400,Geslo-1\n300401,\n300402,Geslo-3,extra\n300400,Geslo-4\n"
    response = upload(client, staff(), bad)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_csv"
    assert body["problems"] == [
        "line 3: bill_password is empty",
        "line 4: expected 2 values, found 3",
        "line 5: payer code 300400 is already on line 2",
    ]
    assert sorted(payers(managers)) == ["100200", "100201"]
    [entry] = audit_entries(managers)
    assert (entry.action, entry.manager_id, entry.details) == ("import_payers_rejected", MANAGER_ID, {"problems": 3})


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"", "line 1: the file is empty"),
        (b"payer_code,password\n1,2\n", "line 1: missing column(s) bill_password"),
        (b"payer_code,bill_password\n", "line 2: the file has no payers"),
    ],
)
def test_empty_or_misnamed_files_are_400(managers, client, staff, data, problem):
    response = upload(client, staff(), data)
    assert response.status_code == 400
    assert response.get_json()["problems"][0].startswith(problem)


# --- the audit log -----------------------------------------------------------------------------------


def test_an_upload_writes_an_audit_entry_with_the_actor_and_the_counts(managers, client, realm_key, keycloak):
    claims = access_claims(groups=[f"/manager-staff/{MANAGER_ID}"], username="mojca@staninvest.si")
    upload(client, bearer(realm_key.sign(claims)))
    [entry] = audit_entries(managers)
    assert (entry.actor, entry.actor_subject, entry.via, entry.action, entry.manager_id) == (
        "mojca@staninvest.si",
        claims["sub"],
        "api",
        "import_payers",
        MANAGER_ID,
    )
    assert entry.details == {"rows": 2, "inserted": 1, "updated": 0, "unchanged": 1, "encoding": "utf-8"}


def test_no_bill_password_reaches_the_audit_log_or_the_database_file(managers, client, staff, settings, caplog):
    upload(client, staff())
    upload(client, staff(), NEW_CSV + b"300401,,x\n")
    database = settings.database_url.removeprefix("sqlite:///")
    raw = b"".join(
        open(path, "rb").read() for path in (database, database + "-wal") if __import__("os").path.exists(path)
    )
    assert NEW_PASSWORD.encode() not in raw
    assert NEW_PASSWORD not in caplog.text
    assert all(NEW_PASSWORD not in json.dumps(e.details) for e in audit_entries(managers))


def test_the_audit_route_lists_a_managers_entries_newest_first_in_pages(managers, client, staff, platform_admin):
    for _ in range(3):
        upload(client, staff())
    upload(client, platform_admin, manager_id=OTHER_MANAGER)
    first = client.get(f"/v1/managers/{MANAGER_ID}/audit?limit=2", headers=staff()).get_json()
    assert [e["details"]["inserted"] for e in first["entries"]] == [0, 0]
    rest = client.get(
        f"/v1/managers/{MANAGER_ID}/audit?limit=2&before={first['next_before']}", headers=staff()
    ).get_json()
    assert [e["details"]["inserted"] for e in rest["entries"]] == [1]
    assert rest["next_before"] is None
    assert {e["actor"] for e in first["entries"] + rest["entries"]} == {"staff.user"}


# --- claims ------------------------------------------------------------------------------------------


def test_the_claims_route_lists_the_managers_claims_in_pages(managers, client, staff, platform_admin):
    upload(client, platform_admin, manager_id=OTHER_MANAGER)
    claim(managers, "100200", "user-a")
    claim(managers, "100201", "user-b")
    claim(managers, "100200", "user-c", manager_id=OTHER_MANAGER)
    first = client.get(f"/v1/managers/{MANAGER_ID}/claims?limit=1", headers=staff()).get_json()
    assert [(c["payer_code"], c["user_id"]) for c in first["claims"]] == [("100200", "user-a")]
    assert first["claims"][0]["claimed_at"]
    assert first["next_after"] == "100200"
    second = client.get(f"/v1/managers/{MANAGER_ID}/claims?limit=1&after=100200", headers=staff()).get_json()
    assert [(c["payer_code"], c["user_id"]) for c in second["claims"]] == [("100201", "user-b")]
    assert second["next_after"] is None
    everything = client.get(f"/v1/managers/{MANAGER_ID}/claims", headers=staff()).get_json()
    assert [c["user_id"] for c in everything["claims"]] == ["user-a", "user-b"]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "limit=-1", "after=" + "9" * 65])
def test_bad_paging_parameters_are_400(managers, client, staff, query):
    response = client.get(f"/v1/managers/{MANAGER_ID}/claims?{query}", headers=staff())
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_uploads_are_counted_in_the_metrics(managers, client, staff):
    def counted(name: str, **labels: str) -> float:
        from registration_bridge.metrics import exposition

        text = exposition()  # what the scraper's port serves
        wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
        found = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(f"{name}{{{wanted}}} ")]
        return float(found[0]) if found else 0.0

    ok, refused = (
        counted("bridge_payer_imports_total", result="ok"),
        counted("bridge_payer_imports_total", result="refused"),
    )
    inserted = counted("bridge_payer_rows_imported_total", change="inserted")
    assert upload(client, staff()).status_code == 200  # one new payer, one unchanged
    assert upload(client, staff(), b"payer_code,bill_password\n300401,\n").status_code == 400
    assert counted("bridge_payer_imports_total", result="ok") == ok + 1
    assert counted("bridge_payer_imports_total", result="refused") == refused + 1
    assert counted("bridge_payer_rows_imported_total", change="inserted") == inserted + 1


@pytest.mark.parametrize("before", ["2147483648", "9" * 5000, "-1", "x"])
def test_an_audit_page_mark_out_of_range_is_a_clear_400(managers, client, staff, before):
    response = client.get(f"/v1/managers/{MANAGER_ID}/audit?before={before}", headers=staff())
    assert response.status_code == 400
    assert "before must be a whole number" in json.dumps(response.get_json())
