"""The manager's desk through Flask's test client, on each database: who may see what, forms that change nothing
when they must not, and what each of the office's actions does to the registry. Residents' Keycloak accounts are a
stand-in here (tests/integration/test_desk.py drives the real Keycloak in a browser)."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from registration_bridge.audit import AuditLog
from registration_bridge.desk import create_desk_app
from registration_bridge.desk.residents import AccountsUnavailable, Resident
from registration_bridge.models import Claim, PayerUnlock, PayerUpload, PayerUploadRow, VerificationAttempt
from sqlalchemy import select

from .support import (
    MANAGER_ID,
    PAYERS,
    SEED_CSV,
    add_manager,
    claims_by_payer,
    count,
    import_csv,
    make_settings,
    password_ok,
    payers,
    sessions,
)
from .support import claim as claim_payer

DESK = "https://desk.example.si"
OTHER_MANAGER = "domovanje"


class Accounts:
    """Residents' accounts as Keycloak would hold them: user id → (label, payer accounts)."""

    def __init__(self) -> None:
        self.users: dict[str, tuple[str, list[str]]] = {}
        self.down = False

    def page(self, manager_id, search, first, size):
        self._check()
        found = [
            Resident(
                uid, label.split()[0], label.split()[1], f"{uid}@example.si", tuple(a.split(":")[1] for a in accs), None
            )
            for uid, (label, accs) in sorted(self.users.items())
            if any(a.startswith(manager_id + ":") for a in accs) and search.lower() in label.lower()
        ]
        return found[first : first + size]

    def all(self, manager_id, batch=100):
        yield from self.page(manager_id, "", 0, 10**6)

    def user_label(self, user_id):
        self._check()
        return self.users[user_id][0] if user_id in self.users else None

    def remove_payer_account(self, user_id, manager_id, payer_code):
        self._check()
        label, accs = self.users[user_id]
        self.users[user_id] = (label, [a for a in accs if a != f"{manager_id}:{payer_code}"])
        return True

    def _check(self):
        if self.down:
            raise AccountsUnavailable("down")


@pytest.fixture
def accounts():
    return Accounts()


@pytest.fixture
def desk(database_url, accounts):
    settings = make_settings(database_url, role="desk", desk_public_url=DESK, desk_session_key="k" * 40)
    app = create_desk_app(settings, accounts=accounts)
    app.config["TESTING"] = True
    add_manager(app, MANAGER_ID, "Staninvest d.o.o.")
    add_manager(app, OTHER_MANAGER, "Domovanje d.o.o.")
    import_csv(app, MANAGER_ID, SEED_CSV)
    import_csv(app, OTHER_MANAGER, b"payer_code,bill_password,holder_name\n900100,Drugo-Geslo-1,Maja Zupan\n")
    yield app
    app.extensions["bridge.engine"].dispose()


def staff_client(app, *, of=(MANAGER_ID,), admin=False, username="ana.pisarna"):
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = DESK
    with client.session_transaction(base_url=DESK) as session:
        session["staff"] = {
            "sub": f"sub-{username}",
            "username": username,
            "name": "Ana Pisarna",
            "platform_admin": admin,
            "staff_of": list(of),
        }
        session["csrf"] = "token-of-this-session"
    return client


def get(client, path, **kwargs):
    return client.get(path, base_url=DESK, **kwargs)


def post(client, path, data=None, **kwargs):
    form = {"csrf_token": "token-of-this-session", **(data or {})}
    return client.post(path, data=form, base_url=DESK, **kwargs)


def text_of(response) -> str:
    return " ".join(BeautifulSoup(response.data, "html.parser").get_text(" ").split())


@pytest.fixture
def staff(desk):
    return staff_client(desk)


# --- who may see what ---------------------------------------------------------------------------------------------
def test_without_a_login_pages_send_to_the_login_and_forms_change_nothing(desk):
    client = desk.test_client()
    page = get(client, f"/m/{MANAGER_ID}/payers")
    assert page.status_code == 302 and page.headers["Location"].endswith("/login")
    refused = client.post(f"/m/{MANAGER_ID}/payers/100200/letter", base_url=DESK, headers={"Origin": DESK})
    assert refused.status_code in (401, 403)
    assert password_ok(desk, "100200", PAYERS["100200"])


@pytest.mark.parametrize(
    "path",
    [
        f"/m/{OTHER_MANAGER}/",
        f"/m/{OTHER_MANAGER}/upload",
        f"/m/{OTHER_MANAGER}/payers?q=Maja",
        f"/m/{OTHER_MANAGER}/payers/900100",
        f"/m/{OTHER_MANAGER}/payers/900100/release",
        f"/m/{OTHER_MANAGER}/residents",
        f"/m/{OTHER_MANAGER}/residents.csv",
        f"/m/{OTHER_MANAGER}/audit",
        f"/m/{OTHER_MANAGER}/upload/00000000-0000-4000-8000-000000000000",
        "/m/no-such-manager/",
    ],
)
def test_staff_of_one_manager_get_nothing_of_another_by_page(desk, staff, path):
    answer = get(staff, path)
    assert answer.status_code == 403
    assert "Maja" not in text_of(answer) and "Domovanje" not in text_of(answer)


def test_staff_of_one_manager_change_nothing_of_another_by_form_post(desk, staff, accounts):
    claim_payer(desk, "900100", "user-maja", OTHER_MANAGER)
    accounts.users["user-maja"] = ("Maja Zupan", [f"{OTHER_MANAGER}:900100"])
    for action in ("unlock", "release", "letter"):
        assert post(staff, f"/m/{OTHER_MANAGER}/payers/900100/{action}").status_code == 403
    upload = post(
        staff, f"/m/{OTHER_MANAGER}/upload", {"file": (io.BytesIO(b"payer_code,bill_password\n1,x\n"), "a.csv")}
    )
    assert upload.status_code == 403
    assert claims_by_payer(desk) == {"900100": "user-maja"}
    assert password_ok(desk, "900100", "Drugo-Geslo-1", OTHER_MANAGER)
    assert set(payers(desk, OTHER_MANAGER)) == {"900100"}
    assert accounts.users["user-maja"][1] == [f"{OTHER_MANAGER}:900100"]


def test_a_payer_of_another_manager_is_not_found_under_ones_own(desk, staff):
    assert get(staff, f"/m/{MANAGER_ID}/payers/900100").status_code == 404
    assert post(staff, f"/m/{MANAGER_ID}/payers/900100/letter").status_code == 404
    assert password_ok(desk, "900100", "Drugo-Geslo-1", OTHER_MANAGER)


def test_an_upload_of_another_manager_is_not_shown_or_applied_under_ones_own(desk, staff):
    other = staff_client(desk, of=(OTHER_MANAGER,), username="maja.pisarna")
    made = post(
        other, f"/m/{OTHER_MANAGER}/upload", {"file": (io.BytesIO(b"payer_code,bill_password\n900101,x\n"), "a.csv")}
    )
    upload_id = made.headers["Location"].rsplit("/", 1)[1]
    assert get(staff, f"/m/{MANAGER_ID}/upload/{upload_id}").status_code == 302  # "no longer valid", to the form
    post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply")
    assert "900101" not in payers(desk, MANAGER_ID) and "900101" not in payers(desk, OTHER_MANAGER)


def test_a_platform_admin_chooses_among_every_manager(desk):
    admin = staff_client(desk, of=(), admin=True, username="admin")
    home = text_of(get(admin, "/"))
    assert "Staninvest d.o.o." in home and "Domovanje d.o.o." in home
    assert get(admin, f"/m/{OTHER_MANAGER}/payers/900100").status_code == 200


def test_staff_of_one_manager_go_straight_to_it(desk, staff):
    assert get(staff, "/").headers["Location"].endswith(f"/m/{MANAGER_ID}/")


def test_someone_who_is_no_staff_at_all_is_refused(desk):
    resident = staff_client(desk, of=())
    assert get(resident, "/").status_code == 403


# --- forms ---------------------------------------------------------------------------------------------------------
def test_a_form_without_its_token_or_from_another_site_changes_nothing(desk, staff):
    without = staff.post(f"/m/{MANAGER_ID}/payers/100200/letter", base_url=DESK, data={})
    assert without.status_code == 403 and "Obrazec je potekel" in text_of(without)
    foreign = post(staff, f"/m/{MANAGER_ID}/payers/100200/letter", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert password_ok(desk, "100200", PAYERS["100200"])


def test_an_expired_session_asks_to_log_in_again_and_changes_nothing(desk, staff):
    desk.permanent_session_lifetime = timedelta(seconds=1)
    with staff.session_transaction(base_url=DESK) as session:
        session.permanent = True
    time.sleep(2.1)
    answer = post(staff, f"/m/{MANAGER_ID}/payers/100200/letter")
    assert answer.status_code in (401, 403)
    assert password_ok(desk, "100200", PAYERS["100200"])
    assert get(staff, f"/m/{MANAGER_ID}/").status_code == 302


def test_the_session_cookie_is_secure_httponly_and_samesite(desk, staff):
    answer = get(staff, "/?lang=en")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-esoseska-desk=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- overview ------------------------------------------------------------------------------------------------------
def test_the_overview_counts_payers_registrations_locks_and_the_last_import(desk, staff):
    claim_payer(desk, "100200", "user-ana")
    fail(desk, "100201", 10)
    post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(SEED_CSV), "seznam.csv")})
    upload_id = only_upload(desk)
    post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply")
    page = text_of(get(staff, f"/m/{MANAGER_ID}/"))
    assert re.search(r"Plačnikov v seznamu 2 Registriranih 1 Delež registriranih 50 %", page), page
    assert re.search(r"Registracij v zadnjih 7 dneh 1 Zaklenjenih šifer zdaj 1", page), page
    assert "ana.pisarna" in page and "2 vrstic" in page


def fail(app, code, times, manager_id=MANAGER_ID):
    with sessions(app)() as s:
        for _ in range(times):
            s.add(
                VerificationAttempt(
                    manager_id=manager_id, payer_code=code, outcome="wrong_bill_password", client_ip="192.0.2.7"
                )
            )
        s.commit()


def only_upload(app) -> str:
    with sessions(app)() as s:
        return s.scalar(select(PayerUpload.id))


# --- upload: preview, then apply -----------------------------------------------------------------------------------
GOOD_LIST = (
    "payer_code;bill_password;holder_name;address;unit\n"
    f"100200;{PAYERS['100200']};Ana Novak;Cesta v Mestni log 12 Ljubljana;3\n"
    "100201;Novo-Geslo-2025;Janez Kranjc;Cesta v Mestni log 12 Ljubljana;4\n"
    "100202;Tretje-Geslo-9;Marko Čebular;Vojkova 5 Ljubljana;1\n"
).encode("cp1250")


def test_a_list_with_errors_shows_their_lines_and_applies_nothing(desk, staff):
    bad = b"payer_code,bill_password\n100300,ok-geslo\n100301,\n100300,spet\n"
    answer = post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(bad), "seznam.csv")})
    assert answer.status_code == 400
    page = text_of(answer)
    assert "vrstica 3: bill_password je prazen" in page
    assert "vrstica 4: šifra plačnika 100300 je že v vrstici 2" in page
    assert set(payers(desk)) == {"100200", "100201"}
    assert count(desk, PayerUpload) == 0 and count(desk, PayerUploadRow) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x81\x98xl/workbook.xml",
            "ni besedilo v UTF-8 ali Windows-1250",
        ),
        (b"", "datoteka je prazna"),
        (b"name,email\nAna,ana@example.si\n", "manjka stolpec: payer_code, bill_password"),
    ],
)
def test_a_file_that_is_not_a_payer_list_gets_a_clear_message(desk, staff, content, expected):
    answer = post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(content), "x.csv")})
    assert answer.status_code == 400 and expected in text_of(answer)
    assert set(payers(desk)) == {"100200", "100201"}


def test_a_file_over_the_limit_gets_a_clear_message(database_url, accounts):
    settings = make_settings(
        database_url, role="desk", desk_public_url=DESK, desk_session_key="k" * 40, max_upload_bytes=1000
    )
    app = create_desk_app(settings, accounts=accounts)
    add_manager(app, MANAGER_ID, "Staninvest d.o.o.")
    client = staff_client(app)
    answer = post(client, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(b"x" * 5000), "big.csv")})
    assert answer.status_code == 413 and "prevelika" in text_of(answer)
    app.extensions["bridge.engine"].dispose()


def test_the_preview_shows_what_would_change_and_apply_applies_it_once(desk, staff):
    made = post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(GOOD_LIST), "seznam.csv")})
    assert made.status_code == 302
    preview = text_of(get(staff, made.headers["Location"]))
    assert re.search(r"Vrstic\s*3", preview) and re.search(r"Novih\s*1", preview)
    assert re.search(r"Spremenjenih\s*1", preview) and re.search(r"Nespremenjenih\s*1", preview)
    assert password_ok(desk, "100201", PAYERS["100201"]), "the preview changed the registry"
    upload_id = made.headers["Location"].rsplit("/", 1)[1]
    applied = post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply", follow_redirects=True)
    assert "Uvoz je uporabljen: 3 vrstic, 1 novih, 1 spremenjenih, 1 nespremenjenih" in text_of(applied)
    assert payers(desk)["100202"].holder_name == "Marko Čebular"
    assert password_ok(desk, "100201", "Novo-Geslo-2025") and not password_ok(desk, "100201", PAYERS["100201"])
    twice = post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply", follow_redirects=True)
    assert "ni več veljaven" in text_of(twice)
    with sessions(desk)() as s:
        entries = [(e.action, e.actor, e.via, e.details["rows"]) for e in AuditLog(s).entries(MANAGER_ID)]
    assert entries.count(("import_payers", "ana.pisarna", "desk", 3)) == 1
    assert count(desk, PayerUploadRow) == 0


def test_the_complete_list_retires_missing_payers_and_their_claims(desk, staff, accounts):
    claim_payer(desk, "100201", "user-janez")
    accounts.users["user-janez"] = ("Janez Kranjc", [f"{MANAGER_ID}:100201"])
    only_ana = f"payer_code,bill_password\n100200,{PAYERS['100200']}\n".encode()
    made = post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(only_ana), "x.csv"), "complete_list": "1"})
    preview = text_of(get(staff, made.headers["Location"]))
    assert "100201" in preview and "Janez Kranjc" in preview  # who would lose the payer account
    assert claims_by_payer(desk) == {"100201": "user-janez"}
    upload_id = made.headers["Location"].split("/")[-1].split("?")[0]
    post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply", {"complete_list": "1"})
    assert claims_by_payer(desk) == {}
    assert set(payers(desk)) == {"100200"}
    assert accounts.users["user-janez"][1] == []
    with sessions(desk)() as s:
        assert "retire_payers" in [e.action for e in AuditLog(s).entries(MANAGER_ID)]


def test_when_keycloak_is_down_the_complete_list_is_not_applied(desk, staff, accounts):
    claim_payer(desk, "100201", "user-janez")
    accounts.users["user-janez"] = ("Janez Kranjc", [f"{MANAGER_ID}:100201"])
    only_ana = f"payer_code,bill_password\n100200,{PAYERS['100200']}\n".encode()
    made = post(staff, f"/m/{MANAGER_ID}/upload", {"file": (io.BytesIO(only_ana), "x.csv"), "complete_list": "1"})
    upload_id = made.headers["Location"].split("/")[-1].split("?")[0]
    accounts.down = True
    answer = post(staff, f"/m/{MANAGER_ID}/upload/{upload_id}/apply", {"complete_list": "1"}, follow_redirects=True)
    assert "niso dosegljivi" in text_of(answer)
    assert claims_by_payer(desk) == {"100201": "user-janez"} and set(payers(desk)) == {"100200", "100201"}


# --- find a payer, unlock, release, new letter -------------------------------------------------------------------
@pytest.mark.parametrize("query", ["100201", "1002", "kranjc", "Mestni log", "4"])
def test_a_payer_is_found_by_code_name_address_or_unit(desk, staff, query):
    page = text_of(get(staff, f"/m/{MANAGER_ID}/payers", query_string={"q": query}))
    assert "Janez Kranjc" in page
    assert "Maja" not in page  # another manager's payer never


def test_a_search_with_like_wildcards_matches_them_literally(desk, staff):
    page = text_of(get(staff, f"/m/{MANAGER_ID}/payers", query_string={"q": "%"}))
    assert "Janez Kranjc" not in page


def test_a_locked_code_shows_since_when_and_odkleni_unlocks_it(desk, staff):
    fail(desk, "100201", 10)
    page = text_of(get(staff, f"/m/{MANAGER_ID}/payers/100201"))
    assert "Zaklenjen" in page and "10" in page and "192.0.2.0/24" in page and "192.0.2.7" not in page
    confirm = get(staff, f"/m/{MANAGER_ID}/payers/100201/unlock")
    assert confirm.status_code == 200 and "Odkleni" in text_of(confirm)
    post(staff, f"/m/{MANAGER_ID}/payers/100201/unlock")
    assert "Zaklenjen" not in text_of(get(staff, f"/m/{MANAGER_ID}/payers/100201"))
    with sessions(desk)() as s:
        assert s.scalar(select(PayerUnlock.unlocked_by)) == "ana.pisarna"
        assert [e.action for e in AuditLog(s).entries(MANAGER_ID)][0] == "unlock"


def test_sprosti_takes_the_payer_account_off_the_resident_and_ends_the_claim(desk, staff, accounts):
    claim_payer(desk, "100200", "user-ana")
    accounts.users["user-ana"] = ("Ana Novak", [f"{MANAGER_ID}:100200"])
    page = text_of(get(staff, f"/m/{MANAGER_ID}/payers/100200"))
    assert "Ana Novak" in page
    post(staff, f"/m/{MANAGER_ID}/payers/100200/release")
    assert claims_by_payer(desk) == {}
    assert accounts.users["user-ana"][1] == []
    with sessions(desk)() as s:
        entry = AuditLog(s).entries(MANAGER_ID)[0]
    assert (entry.action, entry.details["payer_code"]) == ("release_claim", "100200")


def test_sprosti_with_keycloak_down_changes_nothing(desk, staff, accounts):
    claim_payer(desk, "100200", "user-ana")
    accounts.users["user-ana"] = ("Ana Novak", [f"{MANAGER_ID}:100200"])
    accounts.down = True
    answer = post(staff, f"/m/{MANAGER_ID}/payers/100200/release", follow_redirects=True)
    assert "niso dosegljivi" in text_of(answer)
    assert claims_by_payer(desk) == {"100200": "user-ana"}


def test_a_new_letter_replaces_the_bill_password_and_shows_it_once(desk, staff, caplog):
    answer = post(staff, f"/m/{MANAGER_ID}/payers/100200/letter")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    new = BeautifulSoup(answer.data, "html.parser").select_one("#letter-password").get_text(strip=True)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", new)
    assert password_ok(desk, "100200", new) and not password_ok(desk, "100200", PAYERS["100200"])
    assert "Staninvest d.o.o." in text_of(answer) and "100200" in text_of(answer)
    with sessions(desk)() as s:
        entries = AuditLog(s).entries(MANAGER_ID)
        assert entries[0].action == "new_bill_password"
        assert new not in repr([e.details for e in entries])
    assert new not in caplog.text


def test_the_database_never_holds_the_new_bill_password(desk, staff, database):
    answer = post(staff, f"/m/{MANAGER_ID}/payers/100200/letter")
    new = BeautifulSoup(answer.data, "html.parser").select_one("#letter-password").get_text(strip=True)
    with sessions(desk)() as s:
        dump = repr([tuple(r) for r in s.execute(select(Claim))]) + repr(
            [(e.details, e.actor) for e in AuditLog(s).entries()]
        )
    assert new not in dump


# --- residents -----------------------------------------------------------------------------------------------------
def test_residents_are_listed_and_exported_safe_for_spreadsheets(desk, staff, accounts):
    accounts.users["u1"] = ("Ana Novak", [f"{MANAGER_ID}:100200"])
    accounts.users["u2"] = ('=HYPERLINK("http://evil") Kranjc', [f"{MANAGER_ID}:100201"])
    accounts.users["u3"] = ("Maja Zupan", [f"{OTHER_MANAGER}:900100"])
    page = text_of(get(staff, f"/m/{MANAGER_ID}/residents"))
    assert "Ana Novak" in page and "Maja" not in page
    assert "Ana" in text_of(get(staff, f"/m/{MANAGER_ID}/residents", query_string={"q": "ana"}))
    export = get(staff, f"/m/{MANAGER_ID}/residents.csv")
    assert export.mimetype == "text/csv" and export.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["ime", "priimek", "e_naslov"]
    assert ["Ana", "Novak", "u1@example.si", "100200", ""] in rows
    assert rows[2][0].startswith("'=")
    assert not any("Maja" in cell for row in rows for cell in row)


def test_the_change_log_shows_who_did_what(desk, staff):
    post(staff, f"/m/{MANAGER_ID}/payers/100200/unlock")
    page = text_of(get(staff, f"/m/{MANAGER_ID}/audit"))
    assert "ana.pisarna" in page and "100200" in page


def test_pages_switch_to_english(desk, staff):
    assert "Overview" in text_of(get(staff, f"/m/{MANAGER_ID}/?lang=en"))
    assert "Overview" in text_of(get(staff, f"/m/{MANAGER_ID}/"))  # remembered
