"""The operator's command line: `registration-bridge add-manager | import-payers | claims | repair`."""

from __future__ import annotations

import json

import pytest
import responses
from click.testing import CliRunner
from registration_bridge import create_app, schema
from registration_bridge.cli import main
from registration_bridge.db import make_engine
from registration_bridge.models import Claim, Manager, Payer
from sqlalchemy import inspect

from .support import (
    BILL_PASSWORD_KEY,
    MANAGER_ID,
    SEED_CSV,
    add_manager,
    claim,
    claims_by_payer,
    count,
    import_csv,
    make_settings,
    password_ok,
)

KEYCLOAK = "http://kc"
TOKEN_URL = f"{KEYCLOAK}/realms/esoseska/protocol/openid-connect/token"
USER_URL = f"{KEYCLOAK}/admin/realms/esoseska/users/"


@pytest.fixture
def db_url(database_url):
    return database_url


@pytest.fixture
def run(db_url):
    """Runs the CLI as an operator would, with DATABASE_URL (and KEYCLOAK_URL) in the environment."""
    runner = CliRunner()

    def invoke(*args: str, env: dict | None = None):
        environment = {
            "DATABASE_URL": db_url,
            "KEYCLOAK_URL": KEYCLOAK,
            "BRIDGE_BILL_PASSWORD_KEY": BILL_PASSWORD_KEY,
            **(env or {}),
        }
        return runner.invoke(main, list(args), env=environment, catch_exceptions=True)

    return invoke


@pytest.fixture
def db(db_url):
    """The same database as the CLI's, to seed it and to look at what the CLI did."""
    app = create_app(make_settings(db_url))
    yield app
    app.extensions["bridge.engine"].dispose()


@pytest.fixture
def csv_file(tmp_path):
    def write(data: bytes, name: str = "payers.csv") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


# --- add-manager ---------------------------------------------------------------------------------


def test_add_manager(run, db):
    result = run("add-manager", "--bridge-only", "staninvest", "--name", "  Staninvest d.o.o. ")
    assert result.exit_code == 0, result.output
    assert "manager staninvest: Staninvest d.o.o." in result.output
    with db.extensions["bridge.sessions"]() as s:
        assert s.get(Manager, "staninvest").name == "Staninvest d.o.o."


def test_add_manager_again_renames_it(run, db):
    run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest")
    assert run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest d.o.o.").exit_code == 0
    assert count(db, Manager) == 1
    with db.extensions["bridge.sessions"]() as s:
        assert s.get(Manager, "staninvest").name == "Staninvest d.o.o."


@pytest.mark.parametrize(
    "slug", ["Staninvest", "stan invest", "stan_invest", "-stan", "stan/invest", "šlak", "a" * 65, ""]
)
def test_add_manager_rejects_bad_slugs(run, db, slug):
    result = run("add-manager", "--bridge-only", slug, "--name", "Some Manager")
    assert result.exit_code == 2
    assert "MANAGER_ID" in result.output
    assert count(db, Manager) == 0


def test_add_manager_rejects_an_empty_name(run, db):
    result = run("add-manager", "--bridge-only", "staninvest", "--name", "   ")
    assert result.exit_code == 2
    assert count(db, Manager) == 0


def _contact_email(db, manager_id: str = "staninvest") -> str | None:
    with db.extensions["bridge.sessions"]() as s:
        return s.get(Manager, manager_id).contact_email


def test_add_manager_with_a_contact_email_for_inquiries(run, db):
    result = run(
        "add-manager",
        "--bridge-only",
        "staninvest",
        "--name",
        "Staninvest d.o.o.",
        "--contact-email",
        " uprava@staninvest.si ",
    )
    assert result.exit_code == 0, result.output
    assert "manager staninvest: Staninvest d.o.o. <uprava@staninvest.si>" in result.output
    assert _contact_email(db) == "uprava@staninvest.si"


def test_add_manager_without_a_contact_email_takes_no_inquiries(run, db):
    assert run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest d.o.o.").exit_code == 0
    assert _contact_email(db) is None


@pytest.mark.parametrize(
    "address",
    ["uprava", "uprava@staninvest", "@staninvest.si", "uprava@", "up rava@staninvest.si", "uprava@@staninvest.si", ""],
)
def test_add_manager_refuses_a_contact_email_that_is_not_an_address(run, db, address):
    result = run(
        "add-manager", "--bridge-only", "staninvest", "--name", "Staninvest d.o.o.", "--contact-email", address
    )
    assert result.exit_code == 2
    assert "--contact-email" in result.output
    assert count(db, Manager) == 0


def test_refused_contact_email_leaves_the_old_one(run, db):
    run(
        "add-manager",
        "--bridge-only",
        "staninvest",
        "--name",
        "Staninvest d.o.o.",
        "--contact-email",
        "uprava@staninvest.si",
    )
    assert (
        run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest", "--contact-email", "uprava").exit_code
        == 2
    )
    assert _contact_email(db) == "uprava@staninvest.si"


def test_add_manager_again_without_the_option_keeps_the_contact_email(run, db):
    run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest", "--contact-email", "uprava@staninvest.si")
    result = run("add-manager", "--bridge-only", "staninvest", "--name", "Staninvest d.o.o.")
    assert result.exit_code == 0, result.output
    with db.extensions["bridge.sessions"]() as s:
        manager = s.get(Manager, "staninvest")
        assert (manager.name, manager.contact_email) == ("Staninvest d.o.o.", "uprava@staninvest.si")


def test_add_manager_again_with_another_address_changes_it(run, db):
    run(
        "add-manager",
        "--bridge-only",
        "staninvest",
        "--name",
        "Staninvest d.o.o.",
        "--contact-email",
        "uprava@staninvest.si",
    )
    assert (
        run(
            "add-manager",
            "--bridge-only",
            "staninvest",
            "--name",
            "Staninvest d.o.o.",
            "--contact-email",
            "info@staninvest.si",
        ).exit_code
        == 0
    )
    assert _contact_email(db) == "info@staninvest.si"


# --- import-payers ------------------------------------------------------------------------------


def test_import_payers(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    result = run("import-payers", "--manager", MANAGER_ID, csv_file(SEED_CSV))
    assert result.exit_code == 0, result.output
    assert "2 payers for staninvest (2 new, 0 updated, 0 unchanged; utf-8)" in result.stdout
    assert count(db, Payer) == 2

    again = run("import-payers", "--manager", MANAGER_ID, csv_file(SEED_CSV))
    assert "(0 new, 0 updated, 2 unchanged; utf-8)" in again.stdout
    assert count(db, Payer) == 2


def test_import_payers_with_errors_exits_1_names_the_lines_and_imports_nothing(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    bad = b"payer_code,bill_password\n100300,Geslo\n100301,\n100302,Geslo,extra\n"
    result = run("import-payers", "--manager", MANAGER_ID, csv_file(bad))
    assert result.exit_code == 1
    assert "nothing imported" in result.stderr
    assert "line 3: bill_password is empty" in result.stderr
    assert "line 4: expected 2 values, found 3" in result.stderr
    assert count(db, Payer) == 0


def test_import_payers_for_an_unknown_manager_fails(run, db, csv_file):
    result = run("import-payers", "--manager", "nobody", csv_file(SEED_CSV))
    assert result.exit_code == 1
    assert "unknown manager 'nobody'" in result.stderr
    assert count(db, Payer) == 0


def test_import_payers_windows_1250_file(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    data = "payer_code;bill_password;holder_name\n100300;Geslo1;Žiga Čeč\n".encode("cp1250")
    result = run("import-payers", "--manager", MANAGER_ID, csv_file(data))
    assert result.exit_code == 0, result.output
    assert "cp1250" in result.stdout
    assert password_ok(db, "100300", "Geslo1")


def test_demo_files_import(run, db):
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "registration-bridge" / "demo"
    add_manager(db, "staninvest", "Staninvest d.o.o.")
    add_manager(db, "domovanje", "Domovanje d.o.o.")
    assert run("import-payers", "--manager", "staninvest", str(demo / "staninvest.csv")).exit_code == 0
    assert run("import-payers", "--manager", "domovanje", str(demo / "domovanje.csv")).exit_code == 0
    assert count(db, Payer) >= 2


# --- claims -------------------------------------------------------------------------------------


@pytest.fixture
def claimed(db):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    add_manager(db, "domovanje", "Domovanje d.o.o.")
    import_csv(db, MANAGER_ID, SEED_CSV)
    import_csv(db, "domovanje", "payer_code,bill_password,holder_name\nD-5501,x,Mojca Kovač\n".encode())
    claim(db, "100201", "11111111-aaaa-bbbb-cccc-000000000001")
    claim(db, "D-5501", "11111111-aaaa-bbbb-cccc-000000000002", manager_id="domovanje")
    return db


def test_claims_table(run, claimed):
    result = run("claims")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["payer", "account", "keycloak", "user", "id", "claimed", "at"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["domovanje:D-5501", "11111111-aaaa-bbbb-cccc-000000000002"],
        ["staninvest:100201", "11111111-aaaa-bbbb-cccc-000000000001"],
    ]


def test_claims_json(run, claimed):
    result = run("claims", "--json", "--manager", "domovanje")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("manager_id", "payer_code", "keycloak_user_id", "holder_name")} == {
        "manager_id": "domovanje",
        "payer_code": "D-5501",
        "keycloak_user_id": "11111111-aaaa-bbbb-cccc-000000000002",
        "holder_name": "Mojca Kovač",
    }
    assert row["claimed_at"][:4].isdigit()
    assert "Mojca Kovač" in result.stdout  # readable, not \u-escaped


def test_claims_when_there_are_none(run, db):
    assert run("claims").stdout.strip() == "no claims"
    assert json.loads(run("claims", "--json").stdout) == []


# --- repair -------------------------------------------------------------------------------------

GONE = "00000000-0000-0000-0000-00000000dead"
ALIVE = "00000000-0000-0000-0000-0000000a11fe"


@pytest.fixture
def orphaned(db):
    """Three payers: two claimed by a user Keycloak no longer has, one by a user it still has."""
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    import_csv(db, MANAGER_ID, SEED_CSV + b"100202,Geslo3,Marija Horvat,,\n")
    claim(db, "100200", GONE)
    claim(db, "100201", ALIVE)
    claim(db, "100202", GONE)
    return db


def _keycloak(rsps: responses.RequestsMock, **status_of_user: int) -> None:
    rsps.post(
        TOKEN_URL, json={"access_token": "token", "expires_in": 300, "refresh_expires_in": 0, "token_type": "Bearer"}
    )
    for user_id, status in status_of_user.items():
        body = {"id": user_id, "username": "someone"} if status == 200 else {"error": "User not found"}
        rsps.get(USER_URL + user_id, json=body, status=status)


def test_repair_releases_only_the_claims_of_missing_users(run, orphaned):
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, **{GONE: 404, ALIVE: 200})
        result = run("repair", "--grace-minutes", "0")
        asked = {call.request.url.split("?")[0] for call in rsps.calls}
        bearer = {call.request.headers.get("Authorization") for call in rsps.calls if call.request.method == "GET"}
    assert result.exit_code == 0, result.output
    assert asked == {TOKEN_URL, USER_URL + GONE, USER_URL + ALIVE}
    assert bearer == {"Bearer token"}
    assert claims_by_payer(orphaned) == {"100201": ALIVE}
    assert f"released  user {GONE}: staninvest:100200 (the user no longer exists)" in result.stdout
    assert f"released  user {GONE}: staninvest:100202 (the user no longer exists)" in result.stdout
    assert result.stdout.strip().endswith("2 released")


def test_repair_dry_run_releases_nothing(run, orphaned):
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, **{GONE: 404, ALIVE: 200})
        result = run("repair", "--dry-run", "--grace-minutes", "0")
    assert result.exit_code == 0, result.output
    assert f"(dry run) released  user {GONE}: staninvest:100200" in result.stdout
    assert result.stdout.strip().endswith("dry run: 2 released")
    assert claims_by_payer(orphaned) == {"100200": GONE, "100201": ALIVE, "100202": GONE}


def test_repair_releases_nothing_when_keycloak_fails(run, orphaned):
    # A Keycloak error is not "the user is gone": no claim may be released on a 500.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _keycloak(rsps, **{GONE: 404, ALIVE: 500})
        result = run("repair", "--grace-minutes", "0")
    assert result.exit_code != 0
    assert count(orphaned, Claim) == 3


def test_repair_with_no_claims_does_not_need_to_ask_about_users(run, db):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _keycloak(rsps)
        result = run("repair", "--grace-minutes", "0")
    assert result.exit_code == 0, result.output
    assert "nothing to fix" in result.stdout


# --- settings through the CLI ---------------------------------------------------------------------


def test_production_with_dev_secrets_refuses_to_run(run, db_url):
    result = run("init-db", env={"BRIDGE_ENV": "production", "BRIDGE_BILL_PASSWORD_KEY": ""})
    assert result.exit_code == 1
    assert "BRIDGE_CALLBACK_SECRET" in result.output
    assert "BRIDGE_BILL_PASSWORD_KEY" in result.output


def test_init_db_migrates_an_empty_database_to_the_newest_revision(run, empty_database_url):
    result = run("init-db", env={"DATABASE_URL": empty_database_url})
    assert result.exit_code == 0, result.output
    assert current_revision(empty_database_url) == schema.head_revision()
    assert schema.BASELINE_TABLES <= tables(empty_database_url)


def test_db_upgrade_migrates_and_db_current_tells_the_revision(run, empty_database_url):
    env = {"DATABASE_URL": empty_database_url}
    assert run("db", "current", env=env).output.strip() == "none (empty database)"
    result = run("db", "upgrade", env=env)
    assert result.exit_code == 0, result.output
    assert f"at revision {schema.head_revision()} (head)" in result.output
    assert run("db", "current", env=env).output.strip() == f"{schema.head_revision()} (head)"


def current_revision(db_url: str) -> str | None:
    engine = make_engine(db_url)
    try:
        return schema.current_revision(engine)
    finally:
        engine.dispose()


def tables(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_add_manager_refuses_what_the_database_could_not_keep(run, db):
    # PostgreSQL refuses a value longer than its column, SQLite would keep it: the CLI says so before either
    long_name = run("add-manager", "--bridge-only", "staninvest", "--name", "S" * 201)
    long_email = run(
        "add-manager",
        "--bridge-only",
        "staninvest",
        "--name",
        "Staninvest",
        "--contact-email",
        "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".si",
    )
    assert long_name.exit_code == 2 and "at most 200 characters" in long_name.output
    assert long_email.exit_code == 2 and "at most 254 characters" in long_email.output
    assert count(db, Manager) == 0


def test_unlock_refuses_a_name_longer_than_is_kept(run, db):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    result = run("unlock", "--manager", MANAGER_ID, "--by", "u" * 201, "100200")
    assert result.exit_code == 2 and "at most 200 characters" in result.output


# --- audit log ----------------------------------------------------------------------------------


def _audit(db):
    from registration_bridge.models import AuditEntry
    from sqlalchemy import select

    with db.extensions["bridge.sessions"]() as s:
        return [
            (e.actor, e.via, e.action, e.manager_id, e.details)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_import_payers_writes_an_audit_entry_with_who_and_the_counts(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    path = csv_file(SEED_CSV)
    assert run("import-payers", "--manager", MANAGER_ID, "--by", "mojca", path).exit_code == 0
    assert run("import-payers", "--manager", MANAGER_ID, path, env={"USER": "janez"}).exit_code == 0
    assert _audit(db) == [
        (
            "mojca",
            "cli",
            "import_payers",
            MANAGER_ID,
            {"rows": 2, "inserted": 2, "updated": 0, "unchanged": 0, "encoding": "utf-8", "source": path},
        ),
        (
            "janez",
            "cli",
            "import_payers",
            MANAGER_ID,
            {"rows": 2, "inserted": 0, "updated": 0, "unchanged": 2, "encoding": "utf-8", "source": path},
        ),
    ]


def test_a_rejected_import_is_audited_without_its_content(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    path = csv_file(b"payer_code,bill_password\n100300,Skrito-Geslo-77\n100301,\n")
    assert run("import-payers", "--manager", MANAGER_ID, "--by", "mojca", path).exit_code == 1
    assert _audit(db) == [("mojca", "cli", "import_payers_rejected", MANAGER_ID, {"problems": 1, "source": path})]
    assert count(db, Payer) == 0


def test_unlock_writes_an_audit_entry(run, db):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    assert run("unlock", "--manager", MANAGER_ID, "--by", "uprava", "1002 00").exit_code == 0
    assert _audit(db) == [("uprava", "cli", "unlock", MANAGER_ID, {"payer_code": "100200"})]


def test_the_audit_command_lists_entries_newest_first_per_manager(run, db, csv_file):
    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    add_manager(db, "domovanje", "Domovanje d.o.o.")
    run("import-payers", "--manager", MANAGER_ID, "--by", "mojca", csv_file(SEED_CSV))
    run("import-payers", "--manager", "domovanje", "--by", "janez", csv_file(SEED_CSV))
    run("unlock", "--manager", MANAGER_ID, "--by", "uprava", "100200")

    table = run("audit", "--manager", MANAGER_ID)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert len(lines) == 2
    assert "unlock" in lines[0] and "uprava (cli)" in lines[0] and "payer_code=100200" in lines[0]
    assert "import_payers" in lines[1] and "mojca (cli)" in lines[1] and "inserted=2" in lines[1]

    as_json = json.loads(run("audit", "--json", "--limit", "1").stdout)
    assert [(e["action"], e["actor"]) for e in as_json] == [("unlock", "uprava")]
    assert run("audit", "--manager", "nobody").stdout.strip() == "no audit entries"


def test_repair_asks_keycloak_as_the_command_lines_own_client_not_the_running_bridges(run, orphaned):
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, **{GONE: 404, ALIVE: 200})
        result = run("repair", "--grace-minutes", "0", env={"BRIDGE_OPS_CLIENT_SECRET": "ops-secret-for-the-test"})
        [token_request] = [call.request for call in rsps.calls if call.request.url.split("?")[0] == TOKEN_URL]
    assert result.exit_code == 0, result.output
    body = dict(pair.split("=", 1) for pair in token_request.body.split("&"))
    assert body["client_id"] == "registration-bridge-ops"
    assert body["client_secret"] == "ops-secret-for-the-test"


def test_repair_in_production_without_the_ops_client_secret_says_what_to_set(run, orphaned):
    strong = {
        name: "s" * 40
        for name in ("BRIDGE_CALLBACK_SECRET", "BRIDGE_BILL_PASSWORD_KEY", "BRIDGE_KEYCLOAK_CLIENT_SECRET")
    }
    result = run("repair", "--grace-minutes", "0", env={"BRIDGE_ENV": "production", **strong})
    assert result.exit_code == 1
    assert "BRIDGE_OPS_CLIENT_SECRET is not set" in result.output
    assert claims_by_payer(orphaned) == {"100200": GONE, "100201": ALIVE, "100202": GONE}


def test_the_readmes_commands_act_on_the_database_of_make_run(tmp_path, monkeypatch):
    """`.venv/bin/registration-bridge …` from the repository's root, with no DATABASE_URL, works on the bridge
    database of `make run` (it used to open var/bridge.sqlite3, which nothing else used: "unknown manager")."""
    from devstack.layout import ROOT, VAR, Ports
    from devstack.stack import StackSettings

    make_run = StackSettings(ports=Ports.dev(), var_dir=VAR / "dev").database_url
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # stands in for the repository's root
    result = CliRunner().invoke(
        main,
        ["add-manager", "--bridge-only", MANAGER_ID, "--name", "Staninvest d.o.o."],
        env={"DATABASE_URL": None, "BRIDGE_BILL_PASSWORD_KEY": BILL_PASSWORD_KEY},
    )
    assert result.exit_code == 0, result.output
    created = tmp_path / "var" / "dev" / "bridge.sqlite3"
    assert created.exists()
    assert make_run == f"sqlite:///{ROOT / created.relative_to(tmp_path)}"


# --- a command that fails midway leaves nothing (transactions.py) ---------------------------------


def _fail(*_args) -> None:
    raise RuntimeError("the database went away")


def test_a_repair_that_fails_at_its_second_release_releases_nothing(run, orphaned, monkeypatch):
    from registration_bridge.payer_registry import PayerRegistry

    release = PayerRegistry.release_claim
    released: list[str] = []

    def release_once(self, manager_id: str, payer_code: str) -> bool:
        if released:
            _fail()
        released.append(payer_code)
        return release(self, manager_id, payer_code)

    monkeypatch.setattr(PayerRegistry, "release_claim", release_once)
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, **{GONE: 404, ALIVE: 200})
        result = run("repair", "--grace-minutes", "0")
    assert result.exit_code != 0
    assert released == ["100200"]  # the first release was made, in the command's transaction: not kept
    assert claims_by_payer(orphaned) == {"100200": GONE, "100201": ALIVE, "100202": GONE}


def test_an_unlock_whose_unlock_row_fails_keeps_no_audit_entry(run, db, monkeypatch):
    from registration_bridge.guessing import GuessingGuard

    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    monkeypatch.setattr(GuessingGuard, "unlock", _fail)  # after the audit entry was written
    assert run("unlock", "--manager", MANAGER_ID, "--by", "uprava", "100200").exit_code != 0
    assert _audit(db) == []


def test_an_import_whose_audit_entry_fails_keeps_no_payers(run, db, csv_file, monkeypatch):
    from registration_bridge.audit import AuditLog

    add_manager(db, MANAGER_ID, "Staninvest d.o.o.")
    monkeypatch.setattr(AuditLog, "record", _fail)  # after the payers were written
    assert run("import-payers", "--manager", MANAGER_ID, csv_file(SEED_CSV)).exit_code != 0
    assert count(db, Payer) == 0
