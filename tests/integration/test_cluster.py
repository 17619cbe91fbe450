"""Two Keycloak nodes and two bridge replicas behind HAProxy (devstack/cluster.py, `make cluster`), killed with
SIGKILL in the middle of bursts of registrations: every registration is whole or absent, an absent one goes through
on the survivors, a killed node comes back into the cluster, and a logged-in resident stays logged in.

Its own cluster (PostgreSQL, nodes, replicas, load balancer) on free loopback ports, started once for this module.
Which node answered: the load balancer's X-Esoseska-Node header on each of Keycloak's answers.
"""

from __future__ import annotations

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

from devstack.cluster import NODES, Cluster, ClusterPorts, ClusterSettings
from devstack.layout import REALM, VAR, VENV_BIN
from devstack.stack import ADMIN_PASSWORD, ADMIN_USER

from ..figures import record
from .keycloak_pages import Browserless, Page
from .payer_codes import new_payer_code

pytestmark = pytest.mark.integration

ORPHAN_CLAIM_AGE_SECONDS = 2  # a claim whose registration died is released this soon when its payer registers again
PASSWORD = "Sonce-Sije7"


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(
        ClusterSettings(
            ports=ClusterPorts.free(),
            var_dir=VAR / "test-cluster",
            fresh=True,
            bridge_env={"BRIDGE_ORPHAN_CLAIM_AGE_SECONDS": str(ORPHAN_CLAIM_AGE_SECONDS)},
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
        self.session.hooks["response"].append(self._note)

    def _note(self, response: requests.Response, *args, **kwargs) -> None:
        self.answers.append((response.request.method or "", response.headers.get("X-Esoseska-Node")))

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


def burst(cluster: Cluster, client: dict, payers: list[dict], tag: str, victim) -> tuple[list[dict], list[Resident]]:
    """Registrations of `payers` side by side; `victim` is killed once the first of them is through."""
    forms = [form(p, f"{tag}{i}") for i, p in enumerate(payers)]
    residents = [Resident(cluster, client) for _ in forms]
    pages = [r.open_registration() for r in residents]
    with ThreadPoolExecutor(len(forms)) as pool:
        futures = [
            pool.submit(submit_or_fail, r, page, values)
            for r, page, values in zip(residents, pages, forms, strict=True)
        ]
        wait(futures, return_when=FIRST_COMPLETED)
        kill(victim)
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


def test_a_keycloak_node_killed_mid_burst_leaves_whole_registrations_and_rejoins(cluster, admin, client):
    victim_name = "node-a"
    victim = cluster.keycloak_nodes[victim_name]
    survivor = cluster.keycloak_nodes["node-b"]
    views_before = len(cluster_views(survivor.log_path))
    payers = make_payers(cluster, 12)
    forms, residents = burst(cluster, client, payers, "kc", victim)
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
    # new residents register through the cluster again. Which node takes their form posts is recorded, not asserted:
    # after a SIGKILL and rejoin the posts all landed on the survivor in CI (its first GETs alternate; open in the
    # closing note of issue 17), while a graceful restart alternates them
    served = Counter()
    for payer in make_payers(cluster, 4):
        resident, values = Resident(cluster, client), form(payer, "back")
        page = register(resident, values)
        assert values["email"] in page.text, page.text[:1500]
        assert_complete(admin, cluster, values)
        served[resident.posted_to] += 1
    record(
        "fault: after the killed node rejoined, form posts of 4 new registrations by node", dict(sorted(served.items()))
    )


def test_a_bridge_replica_killed_mid_burst_leaves_whole_registrations(cluster, admin, client):
    victim = cluster.replicas["replica-a"]
    payers = make_payers(cluster, 10)
    forms, _ = burst(cluster, client, payers, "br", victim)
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


def test_a_resident_stays_logged_in_when_the_node_of_the_login_dies(cluster, admin, client):
    """Last: the node of the login stays down (the module's cluster stops after this)."""
    [payer] = make_payers(cluster, 1)
    values = form(payer, "session")
    register(Resident(cluster, client), values)
    user = user_with_email(admin, values["email"])
    assert user is not None
    admin.update_user(user["id"], {**admin.get_user(user["id"]), "emailVerified": True})

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
