"""Two Keycloak nodes and two bridge replicas behind HAProxy (devstack/cluster.py, `make cluster`), killed with
SIGKILL in the middle of bursts of registrations: every registration is whole or absent, an absent one goes through
on the survivors, a killed node comes back into the cluster, and a logged-in resident stays logged in. What must
hold across the nodes and replicas holds: a payer's guessing lock, the idempotent claim, one session per account;
and PostgreSQL restarted under a burst leaves whole registrations too, which the nodes and replicas go on with.

Its own cluster (PostgreSQL, nodes, replicas, load balancer) on free loopback ports, started once for this module.
Which node answered: the load balancer's X-Esoseska-Node header on each of Keycloak's answers.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import psycopg
import pytest
import requests
from keycloak import KeycloakAdmin
from registration_bridge import signing
from registration_bridge.settings import Settings

from devstack.cluster import NODES, Cluster, ClusterPorts, ClusterSettings
from devstack.layout import REALM, VAR, VENV_BIN
from devstack.stack import ADMIN_PASSWORD, ADMIN_USER

from ..figures import record
from .keycloak_pages import Browserless, Page
from .payer_codes import new_payer_code

pytestmark = pytest.mark.integration

ORPHAN_CLAIM_AGE_SECONDS = 2  # a claim whose registration died is released this soon when its payer registers again
PASSWORD = "Sonce-Sije7"
# the guessing rule as the bridge has it by default (registration_bridge/guessing.py): locked after 10 failures
PAYER_MAX_FAILURES = Settings().payer_max_failures
VERIFY = "/v1/registrations/verify"
CLAIMS = "/v1/registrations/claims"


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(
        ClusterSettings(
            ports=ClusterPorts.free(),
            var_dir=VAR / "test-cluster",
            fresh=True,
            bridge_env={
                "BRIDGE_ORPHAN_CLAIM_AGE_SECONDS": str(ORPHAN_CLAIM_AGE_SECONDS),
                # the lock without the growing delays before it (30 s after the 3rd failure, 60 s, ...): the lock
                # is what must hold across replicas, and the delays are counted by the same query
                "BRIDGE_PAYER_DELAY_AFTER_FAILURES": str(PAYER_MAX_FAILURES),
            },
        )
    )
    started = time.monotonic()
    try:
        cluster.start()
        record(
            "cluster: PostgreSQL, 2 Keycloak nodes, 2 bridge replicas, HAProxy started (s)",
            round(time.monotonic() - started),
        )
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def admin(cluster) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=cluster.settings.keycloak_url,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        realm_name=REALM,
        user_realm_name="master",
    )


@pytest.fixture(scope="module")
def client(admin) -> dict:
    client = {
        "clientId": f"cluster-portal-{uuid.uuid4().hex[:8]}",
        "secret": secrets.token_urlsafe(24),
        "redirectUris": ["http://127.0.0.1:9/callback"],
    }
    admin.create_client(
        {**client, "enabled": True, "publicClient": False, "standardFlowEnabled": True, "protocol": "openid-connect"}
    )
    return client


class Resident(Browserless):
    """A resident's browser through the load balancer that notes which node answered each request."""

    def __init__(self, cluster: Cluster, client: dict) -> None:
        super().__init__(
            cluster.settings.keycloak_url, REALM, client["clientId"], client["redirectUris"][0], client["secret"]
        )
        self.answers: list[tuple[str, str | None]] = []  # (method, node)
        self.post_status: int | None = None  # the status of the last form post's answer
        self.session.hooks["response"].append(self._note)

    def _note(self, response: requests.Response, *args, **kwargs) -> None:
        self.answers.append((response.request.method or "", response.headers.get("X-Esoseska-Node")))
        if response.request.method == "POST":
            self.post_status = response.status_code

    @property
    def posted_to(self) -> str | None:
        """The node that answered the last form post."""
        return next((node for method, node in reversed(self.answers) if method == "POST"), None)


def make_payers(cluster: Cluster, count: int) -> list[dict]:
    """New unclaimed payers of Staninvest, imported in one file."""
    payers = [{"code": new_payer_code(), "bill_password": "Bill-" + secrets.token_hex(3)} for _ in range(count)]
    path = cluster.settings.var_dir / f"payers-{uuid.uuid4().hex[:8]}.csv"
    path.write_text(
        "payer_code,bill_password,holder_name\n"
        + "".join(f"{p['code']},{p['bill_password']},Test Payer\n" for p in payers),
        encoding="utf-8",
    )
    result = bridge_cli(cluster, "import-payers", "--manager", "staninvest", str(path))
    assert result.returncode == 0, result.stderr
    return payers


def bridge_cli(cluster: Cluster, *args: str) -> subprocess.CompletedProcess:
    assert cluster.front is not None
    return subprocess.run(
        [str(VENV_BIN / "registration-bridge"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **cluster.front.settings.bridge_environment()},
        check=False,
    )


def form(payer: dict, tag: str) -> dict:
    return {
        "firstName": "Ana",
        "lastName": "Novak",
        "email": f"{tag}.{uuid.uuid4().hex[:10]}@example.si",
        "phone_number": "041 123 456",
        "payerCode": payer["code"],
        "billPassword": payer["bill_password"],
        "managerId": "staninvest",
        "password": PASSWORD,
        "password-confirm": PASSWORD,
        "termsAccepted": "on",
    }


def register(resident: Resident, values: dict) -> Page:
    return resident.submit(resident.open_registration(), "kc-register-form", values)


def claim_holders(cluster: Cluster, codes: list[str]) -> dict[str, list[str]]:
    """payer code -> the Keycloak user ids holding a claim on it (straight from the bridge's database)."""
    with psycopg.connect(cluster.postgres.url("bridge", driver="postgresql")) as connection:
        rows = connection.execute(
            "SELECT p.payer_code, c.keycloak_user_id FROM claims c JOIN payers p ON p.id = c.payer_id "
            "WHERE p.manager_id = 'staninvest' AND p.payer_code = ANY(%s)",
            (codes,),
        ).fetchall()
    holders: dict[str, list[str]] = {code: [] for code in codes}
    for code, user_id in rows:
        holders[code].append(user_id)
    return holders


def user_with_email(admin: KeycloakAdmin, email: str) -> dict | None:
    users = [u for u in admin.get_users({"email": email, "exact": True}) if u.get("email") == email.lower()]
    assert len(users) <= 1
    return users[0] if users else None


def half_made(admin: KeycloakAdmin, cluster: Cluster, forms: list[dict]) -> tuple[int, int]:
    """(users without their claim, claims without their user) among these registrations."""
    holders = claim_holders(cluster, [f["payerCode"] for f in forms])
    users_without_claim = claims_without_user = 0
    for values in forms:
        user = user_with_email(admin, values["email"])
        held = holders[values["payerCode"]]
        if user is not None:
            if user["id"] not in held or user["attributes"].get("payer_accounts") != [
                f"staninvest:{values['payerCode']}"
            ]:
                users_without_claim += 1
        claims_without_user += sum(1 for user_id in held if user_id != (user or {}).get("id"))
    return users_without_claim, claims_without_user


def assert_complete(admin: KeycloakAdmin, cluster: Cluster, values: dict) -> None:
    user = user_with_email(admin, values["email"])
    assert user is not None, values["email"]
    assert user["attributes"]["payer_accounts"] == [f"staninvest:{values['payerCode']}"]
    assert claim_holders(cluster, [values["payerCode"]])[values["payerCode"]] == [user["id"]]


def kill(service) -> None:
    os.killpg(service.process.pid, signal.SIGKILL)  # no goodbye
    service.process.wait(30)


def submit_or_fail(resident: Resident, page: Page, values: dict) -> Page | None:
    """The registration form posted; None when the connection broke off (the node died with it)."""
    try:
        return resident.submit(page, "kc-register-form", values)
    except requests.ConnectionError:
        resident.answers.append(("POST", "connection lost"))
        return None


def burst(cluster: Cluster, client: dict, payers: list[dict], tag: str, fault) -> tuple[list[dict], list[Resident]]:
    """Registrations of `payers` side by side; `fault()` (e.g. a kill) once the first of them is through."""
    forms = [form(p, f"{tag}{i}") for i, p in enumerate(payers)]
    residents = [Resident(cluster, client) for _ in forms]
    pages = [r.open_registration() for r in residents]
    with ThreadPoolExecutor(len(forms)) as pool:
        futures = [
            pool.submit(submit_or_fail, r, page, values)
            for r, page, values in zip(residents, pages, forms, strict=True)
        ]
        wait(futures, return_when=FIRST_COMPLETED)
        fault()
        for future in futures:
            future.result()
    return forms, residents


def wait_until_alone(survivor, views_before: int, timeout: float = 90) -> float:
    """Seconds until the survivor's cluster view has shrunk to itself (JGroups noticed the death)."""
    started = time.monotonic()
    while 1 not in cluster_views(survivor.log_path)[views_before:]:
        assert time.monotonic() - started < timeout, f"no new cluster view after {timeout} s:\n{survivor.log_tail()}"
        time.sleep(0.5)
    return time.monotonic() - started


def wait_until_served(cluster: Cluster, timeout: float = 120, steady: float = 6) -> float:
    """Seconds until the load balancer has served for `steady` seconds on end: a survivor can be unready for a
    while after the view change (Keycloak's cluster health check, while the database names no coordinator)."""
    started = time.monotonic()
    url = f"{cluster.settings.keycloak_url}/realms/{REALM}/.well-known/openid-configuration"
    ok_since = None
    while time.monotonic() - started < timeout:
        try:
            ok = requests.get(url, timeout=5).status_code == 200
        except requests.RequestException:
            ok = False
        now = time.monotonic()
        ok_since = (ok_since or now) if ok else None
        if ok_since is not None and now - ok_since >= steady:
            return ok_since - started
        time.sleep(0.5)
    raise AssertionError(f"no Keycloak node steadily ready behind the load balancer after {timeout} s")


def wait_until_node_serves(cluster: Cluster, node: str, timeout: float = 60) -> None:
    url = f"{cluster.settings.keycloak_url}/realms/{REALM}/.well-known/openid-configuration"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).headers.get("X-Esoseska-Node") == node:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the load balancer sent nothing to {node} in {timeout} s")


def register_again_where_absent(admin, cluster, client, forms: list[dict]) -> int:
    """What a resident does after an error page: registers again (once the orphan claim, if any, may be released)."""
    time.sleep(ORPHAN_CLAIM_AGE_SECONDS + 0.5)
    again = 0
    for values in forms:
        if user_with_email(admin, values["email"]) is None:
            page = register(Resident(cluster, client), values)
            assert values["email"] in page.text, page.text[:1500]
            again += 1
        assert_complete(admin, cluster, values)
    return again


def signed_post(cluster: Cluster, port: int, path: str, body: dict) -> requests.Response:
    """A callback as Keycloak sends it (signed by the callback secret, once), to a replica or the load balancer."""
    assert cluster.front is not None
    raw = json.dumps({"request_id": uuid.uuid4().hex, **body}).encode()  # a call of its own: its own signature
    return post_signed_bytes(port, path, raw, signing.sign(cluster.front.settings.callback_secret, "POST", path, raw))


def post_signed_bytes(port: int, path: str, raw: bytes, signature: str) -> requests.Response:
    return requests.post(
        f"http://127.0.0.1:{port}{path}",
        data=raw,
        headers={"Content-Type": "application/json", signing.HEADER: signature},
        timeout=30,
    )


def verify_payer(cluster: Cluster, port: int, payer: dict, bill_password: str) -> requests.Response:
    body = {"manager_id": "staninvest", "payer_code": payer["code"], "bill_password": bill_password}
    response = signed_post(cluster, port, VERIFY, body)
    assert response.status_code == 200, response.text
    return response


def attempts(cluster: Cluster, code: str) -> list[str]:
    """The outcomes of a Staninvest payer code's checks, oldest first (the bridge's attempt log)."""
    with psycopg.connect(cluster.postgres.url("bridge", driver="postgresql")) as connection:
        rows = connection.execute(
            "SELECT outcome FROM verification_attempts WHERE manager_id = 'staninvest' AND payer_code = %s "
            "ORDER BY at, id",
            (code,),
        ).fetchall()
    return [outcome for (outcome,) in rows]


def registered_account(cluster: Cluster, admin: KeycloakAdmin, client: dict, tag: str) -> dict:
    """The form of a new resident's registration, with the e-mail verified (so the resident may log in)."""
    [payer] = make_payers(cluster, 1)
    values = form(payer, tag)
    page = register(Resident(cluster, client), values)
    assert values["email"] in page.text, page.text[:1500]
    user = user_with_email(admin, values["email"])
    assert user is not None
    admin.update_user(user["id"], {**admin.get_user(user["id"]), "emailVerified": True})
    return values


def login_page_on_another_node(cluster: Cluster, client: dict, node: str | None) -> tuple[Resident, Page]:
    """A new browser's login page answered by a node other than `node` (the load balancer picks the node of a new
    browser in turn; the login then stays on it)."""
    for _ in range(6):
        resident = Resident(cluster, client)
        page = resident.open_login()
        if resident.answers[-1][1] not in (node, None):
            return resident, page
    raise AssertionError(f"the load balancer sent 6 new browsers to {node}")


def register_on_both_nodes(cluster: Cluster, admin: KeycloakAdmin, client: dict, tag: str, count: int) -> int:
    """`count` new residents register one after the other, and only then are their accounts looked at: the load
    balancer gives each new browser the next node in turn (round robin), and a look-up through it in between
    would take every other turn (then every resident lands on the same node). Their form posts per node."""
    forms, per_node = [], Counter()
    for payer in make_payers(cluster, count):
        resident, values = Resident(cluster, client), form(payer, tag)
        page = register(resident, values)
        assert values["email"] in page.text, page.text[:1500]
        forms.append(values)
        per_node[resident.posted_to] += 1
    for values in forms:
        assert_complete(admin, cluster, values)
    assert per_node == {node: count // len(NODES) for node in NODES}, per_node
    return count // len(NODES)


def cluster_views(log_path) -> list[int]:
    """The sizes of the cluster views a node's log reports (Infinispan's ISPN000094)."""
    text = log_path.read_text(errors="replace")
    return [int(size) for size in re.findall(r"ISPN000094: Received new cluster view .*?\((\d+)\)", text)]


# --- the tests ----------------------------------------------------------------------------------------------------


def test_the_nodes_form_one_cluster_and_registrations_land_on_both(cluster, admin, client):
    for service in cluster.keycloak_nodes.values():
        assert 2 in cluster_views(service.log_path), service.log_tail()
    payers = make_payers(cluster, 8)
    forms = [form(p, "lb") for p in payers]
    per_node: Counter[str | None] = Counter()
    for values in forms:
        resident = Resident(cluster, client)
        page = register(resident, values)
        assert values["email"] in page.text, page.text[:1500]
        assert len({node for _, node in resident.answers}) == 1, resident.answers  # sticky: one node per resident
        per_node[resident.posted_to] += 1
    for values in forms:
        assert_complete(admin, cluster, values)
    assert set(per_node) == set(NODES), per_node
    record("cluster: registrations through the load balancer per node", dict(sorted(per_node.items())))


def test_the_guessing_lock_of_a_payer_holds_across_the_bridge_replicas(cluster):
    """A payer code's failures are counted in the database: wrong bill passwords spread over both replicas lock the
    code on both, and then the right password is refused too, whichever replica answers."""
    [payer] = make_payers(cluster, 1)
    replica_a, replica_b = cluster.settings.ports.replica
    for i in range(PAYER_MAX_FAILURES):  # alternately straight to each replica, as signed calls of Keycloak
        assert verify_payer(cluster, (replica_a, replica_b)[i % 2], payer, f"Wrong-{i}").json()["ok"] is False
    assert attempts(cluster, payer["code"]) == ["wrong_bill_password"] * PAYER_MAX_FAILURES
    after = [
        verify_payer(cluster, replica_a, payer, "Wrong-again").json(),  # the 11th check
        verify_payer(cluster, replica_b, payer, payer["bill_password"]).json(),  # the right password
        verify_payer(cluster, cluster.settings.ports.bridge, payer, payer["bill_password"]).json(),  # either replica
    ]
    # the form's answer is a wrong password's (the lock is no oracle); the attempt log names the lock
    assert [(a["ok"], a["errors"][0]["code"]) for a in after] == [(False, "payer_not_verified")] * 3
    assert attempts(cluster, payer["code"])[PAYER_MAX_FAILURES:] == ["locked"] * 3
    record(
        "cluster: guessing lock of one payer code across 2 bridge replicas",
        f"{PAYER_MAX_FAILURES} wrong bill passwords ({PAYER_MAX_FAILURES // 2} on each replica) locked it on both: "
        "the next 3 checks (a wrong one on replica-a, the right one on replica-b and through the load balancer) "
        "refused as locked",
    )


def test_a_post_that_reached_a_replica_is_never_sent_to_the_other(cluster):
    """The load balancer retries on the other server only when no connection could be made: a signed call that a
    replica took (its connection accepted) and never answered is answered 504 after `timeout server`, and decided
    once, by that replica alone. Both replicas stalled (SIGSTOP), so a resend would wait on the other one and show
    as a second attempt once they go on."""
    [payer] = make_payers(cluster, 1)
    stalled = list(cluster.replicas.values())
    for replica in stalled:
        os.killpg(replica.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        answer = signed_post(
            cluster,
            cluster.settings.ports.bridge,
            VERIFY,
            {"manager_id": "staninvest", "payer_code": payer["code"], "bill_password": "Wrong-stalled"},
        )
        waited = time.monotonic() - started
    finally:
        for replica in stalled:
            os.killpg(replica.process.pid, signal.SIGCONT)
    assert answer.status_code == 504, answer.text
    for replica in stalled:
        replica.wait_ready()
    deadline = time.monotonic() + 15  # the replica that took it answers it now, to a closed connection
    while time.monotonic() < deadline and not attempts(cluster, payer["code"]):
        time.sleep(0.5)
    time.sleep(2)  # and nothing more arrives
    assert attempts(cluster, payer["code"]) == ["wrong_bill_password"]
    # the load balancer's checks (rise 2) take them back in before the next registration needs them
    deadline = time.monotonic() + 30
    while requests.get(f"http://127.0.0.1:{cluster.settings.ports.bridge}/healthz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the load balancer did not take the replicas back in 30 s"
        time.sleep(0.5)
    record(
        "cluster: a POST the stalled replica took",
        f"answered {answer.status_code} after {waited:.1f} s, not resent: decided once (1 attempt) when it went on",
    )


def test_verify_only_logs_its_attempt_and_a_claim_sent_again_is_answered_alike(cluster):
    """Were a POST sent twice: verify changes nothing but the attempt log, and the same claim again (a new call,
    as a retry of Keycloak's would be) gets the first one's answer on the other replica, with one claim row. The
    same call's bytes again are refused as replayed on the other replica too (the replay cache is in the database)."""
    assert cluster.front is not None
    [payer] = make_payers(cluster, 1)
    code, account = payer["code"], f"staninvest:{payer['code']}"
    replica_a, replica_b = cluster.settings.ports.replica
    verified = [verify_payer(cluster, port, payer, payer["bill_password"]).json() for port in (replica_a, replica_b)]
    assert [v["ok"] for v in verified] == [True, True]
    assert attempts(cluster, code) == ["verified", "verified"] and claim_holders(cluster, [code])[code] == []

    user_id = str(uuid.uuid4())
    raw = json.dumps({"ticket": verified[0]["ticket"], "user_id": user_id}).encode()
    signature = signing.sign(cluster.front.settings.callback_secret, "POST", CLAIMS, raw)
    first = post_signed_bytes(replica_a, CLAIMS, raw, signature)
    again = signed_post(cluster, replica_b, CLAIMS, {"ticket": verified[0]["ticket"], "user_id": user_id})
    replayed = post_signed_bytes(replica_b, CLAIMS, raw, signature)
    other = signed_post(cluster, replica_b, CLAIMS, {"ticket": verified[1]["ticket"], "user_id": str(uuid.uuid4())})
    assert (first.status_code, first.json()) == (201, {"status": "claimed", "payer_account": account})
    assert (again.status_code, again.json()) == (200, {"status": "already_yours", "payer_account": account})
    assert (replayed.status_code, replayed.json()) == (401, {"error": "replayed"})
    assert (other.status_code, other.json()) == (409, {"error": "payer_already_claimed"})
    assert claim_holders(cluster, [code])[code] == [user_id]
    record(
        "cluster: one claim sent twice over 2 replicas",
        "201 claimed, then 200 already_yours (1 claim row); its bytes replayed 401; another user 409",
    )


def test_a_login_through_one_node_ends_the_session_made_through_the_other(cluster, admin, client):
    """One session per account (the realm's user-session-limits, terminate the oldest) across the nodes: the
    session is in the replicated caches and the database, so a login on node B ends the one made on node A."""
    values = registered_account(cluster, admin, client, "onesession")
    first = Resident(cluster, client)
    first_tokens = first.log_in(values["email"], PASSWORD)
    first_node = first.posted_to
    second, page = login_page_on_another_node(cluster, client, first_node)
    second.exchange(
        second.code_from(second.submit(page, "kc-form-login", {"username": values["email"], "password": PASSWORD}))
    )
    second_node = second.posted_to
    assert {first_node, second_node} == set(NODES)

    # the first session's refresh token, asked of the node that made it (straight, not through the load balancer)
    refreshed = requests.post(
        f"http://127.0.0.1:{cluster.settings.ports.node_http[NODES.index(first_node)]}/realms/{REALM}"
        "/protocol/openid-connect/token",
        timeout=30,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first_tokens["refresh_token"],
            "client_id": first.client_id,
            "client_secret": first.client_secret,
        },
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant", refreshed.text
    user = user_with_email(admin, values["email"])
    assert user is not None and len(admin.get_sessions(user["id"])) == 1
    assert first.open_login().soup.find("form", id="kc-form-login") is not None  # asked to log in again
    record(
        "cluster: one session per account across nodes",
        f"a login through {second_node} ended the session made through {first_node}",
    )


def test_a_keycloak_node_killed_mid_burst_leaves_whole_registrations_and_rejoins(cluster, admin, client):
    victim_name = "node-a"
    victim = cluster.keycloak_nodes[victim_name]
    survivor = cluster.keycloak_nodes["node-b"]
    views_before = len(cluster_views(survivor.log_path))
    payers = make_payers(cluster, 12)
    forms, residents = burst(cluster, client, payers, "kc", lambda: kill(victim))
    per_node = Counter(r.posted_to for r in residents)
    noticed = wait_until_alone(survivor, views_before)
    unserved = wait_until_served(cluster)

    users_without_claim, claims_without_user = half_made(admin, cluster, forms)
    assert users_without_claim == 0
    complete = sum(1 for values in forms if user_with_email(admin, values["email"]) is not None)
    again = register_again_where_absent(admin, cluster, client, forms)
    assert half_made(admin, cluster, forms) == (0, 0)
    record(
        "fault: Keycloak node killed (SIGKILL) during a burst of registrations",
        f"{len(forms)} registrations (posted to {dict(sorted(per_node.items()))}): {complete} complete, "
        f"{len(forms) - complete} absent (orphan claims {claims_without_user}, users without claim "
        f"{users_without_claim}), {again} registered again through the other node; the survivor saw the death "
        f"{noticed:.0f} s after the burst, and was steadily ready {unserved:.0f} s after that",
    )

    views_before = len(cluster_views(victim.log_path))
    victim.start().wait_ready()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and 2 not in cluster_views(victim.log_path)[views_before:]:
        time.sleep(1)
    assert 2 in cluster_views(victim.log_path)[views_before:], victim.log_tail()
    # the load balancer sends new residents to it again, once its checks (rise 2) find it ready
    wait_until_node_serves(cluster, victim_name)
    # new residents register through both nodes again
    assert register_on_both_nodes(cluster, admin, client, "back", 4) == 2
    record("fault: after the killed node rejoined, form posts of 4 new registrations by node", "2 and 2")


def test_a_bridge_replica_killed_mid_burst_leaves_whole_registrations(cluster, admin, client):
    victim = cluster.replicas["replica-a"]
    payers = make_payers(cluster, 10)
    forms, _ = burst(cluster, client, payers, "br", lambda: kill(victim))
    users_without_claim, claims_without_user = half_made(admin, cluster, forms)
    assert users_without_claim == 0
    complete = sum(1 for values in forms if user_with_email(admin, values["email"]) is not None)
    again = register_again_where_absent(admin, cluster, client, forms)
    assert half_made(admin, cluster, forms) == (0, 0)
    record(
        "fault: bridge replica killed (SIGKILL) during a burst of registrations",
        f"{len(forms)} registrations: {complete} complete, {len(forms) - complete} absent (orphan claims "
        f"{claims_without_user}), {again} registered again through the other replica",
    )
    victim.start().wait_ready()


def test_postgresql_restarted_mid_burst_leaves_whole_registrations_and_everything_reconnects(cluster, admin, client):
    """PostgreSQL restarted (`pg_ctl restart -m fast`: every connection cut, open transactions rolled back) while a
    burst of registrations is on the way: each is whole or absent, the Keycloak nodes and the bridge replicas
    connect again by themselves (nobody restarts them), and the residents whose registration failed register
    again. (A fast restart, not a SIGKILL of the postmaster: the test cluster runs without fsync and with
    synchronous_commit off, so a crash of it could lose commits already acknowledged, which a real one does not.)"""
    restarted_in: list[float] = []

    def restart_postgres() -> None:
        started = time.monotonic()
        cluster.postgres.restart()
        restarted_in.append(time.monotonic() - started)

    payers = make_payers(cluster, 10)
    forms, residents = burst(cluster, client, payers, "pg", restart_postgres)
    unserved = wait_until_served(cluster)
    for service in (*cluster.keycloak_nodes.values(), *cluster.replicas.values()):
        assert service.running, f"{service.name} stopped:\n{service.log_tail()}"
        service.wait_ready()  # /health/ready of each node and /healthz of each replica: their database is back

    users_without_claim, claims_without_user = half_made(admin, cluster, forms)
    assert users_without_claim == 0
    complete = sum(1 for values in forms if user_with_email(admin, values["email"]) is not None)
    # what the residents saw: 302 on to the app (registered), 200 a page (the form again, or an error page)
    answers = Counter("connection lost" if r.posted_to == "connection lost" else r.post_status for r in residents)
    again = register_again_where_absent(admin, cluster, client, forms)
    assert half_made(admin, cluster, forms) == (0, 0)
    # and new registrations go through both nodes and (Keycloak calls the bridge through its load balancer) both
    # replicas' fresh connections
    register_on_both_nodes(cluster, admin, client, "afterpg", 2)
    record(
        "fault: PostgreSQL restarted (fast) during a burst of registrations",
        f"{len(forms)} registrations: {complete} complete, {len(forms) - complete} absent (orphan claims "
        f"{claims_without_user}, users without claim {users_without_claim}; answers {dict(answers)}), "
        f"{again} registered again; PostgreSQL was back in {restarted_in[0]:.1f} s, the load balancer steadily "
        f"served {unserved:.0f} s after that, no node nor replica restarted",
    )


def test_a_resident_stays_logged_in_when_the_node_of_the_login_dies(cluster, admin, client):
    """Last: the node of the login stays down (the module's cluster stops after this)."""
    values = registered_account(cluster, admin, client, "session")
    resident = Resident(cluster, client)
    tokens = resident.log_in(values["email"], PASSWORD)
    login_node = resident.posted_to
    assert login_node in NODES
    kill(cluster.keycloak_nodes[login_node])
    # until HAProxy's checks (inter 1s, fall 2) take the dead node out, a request it sends there is answered 502,
    # and a POST (this refresh) is rightly not sent again elsewhere: an app retries it, here the test waits
    time.sleep(3)
    wait_until_served(cluster, steady=2)

    refreshed = requests.post(
        f"{resident.oidc}/token",
        timeout=30,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": resident.client_id,
            "client_secret": resident.client_secret,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    other = refreshed.headers.get("X-Esoseska-Node")
    assert other in NODES and other != login_node
    # and the browser's SSO cookie logs in again on the other node without the password form
    again = resident.follow(
        requests.Request("GET", f"{resident.oidc}/auth", params=resident._auth_params()).prepare().url
    )
    resident.code_from(again)
    record("cluster: login on one node, node killed, refresh token and SSO on the other", "survived")
