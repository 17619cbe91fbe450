# ruff: noqa: E501 - a catalogue of sentences, one a line, is read more easily than one folded
"""The desk's words, in Slovenian (default) and English; `?lang=en` / `?lang=sl` switches and is remembered."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, session

from ..csv_import import RowError

LANGUAGES = ("sl", "en")
# the office reads times as its clock shows them
LOCAL_TIME = ZoneInfo("Europe/Ljubljana")

TEXTS: dict[str, dict[str, str]] = {
    "sl": {
        "desk": "Pisarna upravnika",
        "platform": "eSoseska",
        "skip": "Preskoči na vsebino",
        "logout": "Odjava",
        "login": "Prijava",
        "login_title": "Prijava v pisarno upravnika",
        "login_cancelled": "Prijava je bila preklicana.",
        "login_failed": "Prijava ni uspela ali je potekla. Poskusite znova.",
        "session_expired": "Vaša prijava je potekla. Prijavite se znova; nič od obrazca ni bilo spremenjeno.",
        "login_again": "Prijavite se znova",
        "forbidden_title": "Ni dostopa",
        "forbidden": "Do tega upravnika nimate dostopa. Če bi ga morali imeti, se obrnite na skrbnika platforme.",
        "not_found_title": "Strani ni",
        "not_found": "Te strani ni. Preverite naslov ali se vrnite na pregled.",
        "error_title": "Napaka",
        "error": "Prišlo je do napake. Nič ni bilo spremenjeno. Poskusite znova čez nekaj minut.",
        "csrf_title": "Obrazec je potekel",
        "csrf": "Obrazec je potekel ali ni bil poslan s te strani. Nič ni bilo spremenjeno. Odprite stran znova.",
        "too_large_title": "Datoteka je prevelika",
        "too_large": "Datoteka je večja od {mb} MB. Nič ni bilo spremenjeno.",
        "keycloak_down": "Računi prebivalcev trenutno niso dosegljivi. Nič ni bilo spremenjeno. Poskusite znova.",
        "managers": "Upravniki",
        "choose_manager": "Izberite upravnika",
        "nav_overview": "Pregled",
        "nav_upload": "Seznam plačnikov",
        "nav_payers": "Iskanje plačnika",
        "nav_residents": "Prebivalci",
        "nav_audit": "Dnevnik sprememb",
        "overview": "Pregled",
        "payers_in_registry": "Plačnikov v seznamu",
        "registered": "Registriranih",
        "registered_share": "Delež registriranih",
        "registrations_week": "Registracij v zadnjih 7 dneh",
        "locked_now": "Zaklenjenih šifer zdaj",
        "last_import": "Zadnji uvoz",
        "no_import": "Seznam še ni bil uvožen.",
        "import_by": "{at}, {actor}, {rows} vrstic",
        "upload_title": "Naloži seznam plačnikov",
        "upload_help": "Datoteka CSV iz obračunskega programa: UTF-8 ali Windows-1250, ločilo vejica, podpičje ali tabulator. Stolpca payer_code in bill_password sta obvezna, holder_name, address in unit neobvezni.",
        "file": "Datoteka",
        "complete_list": "To je celoten seznam (plačniki, ki jih v datoteki ni, se umaknejo; njihovi prebivalci izgubijo dostop)",
        "preview_button": "Preveri datoteko",
        "uploading": "Nalaganje …",
        "no_file": "Izberite datoteko.",
        "file_errors_title": "Datoteka ima napake",
        "file_errors": "Nič ni bilo spremenjeno. Popravite vrstice in datoteko naložite znova.",
        "preview_title": "Predogled uvoza",
        "preview_intro": "Nič še ni spremenjeno. Preverite številke in potrdite uvoz.",
        "rows": "Vrstic",
        "new": "Novih",
        "changed": "Spremenjenih",
        "unchanged": "Nespremenjenih",
        "missing": "V seznamu, a ne v datoteki",
        "missing_kept": "Ostanejo v seznamu (datoteka ni označena kot celoten seznam).",
        "retire_warning": "Ti plačniki bodo umaknjeni. {n} registriranih prebivalcev bo izgubilo dostop do njih:",
        "apply_button": "Uporabi uvoz",
        "cancel": "Prekliči",
        "applied": "Uvoz je uporabljen: {rows} vrstic, {new} novih, {changed} spremenjenih, {unchanged} nespremenjenih, {retired} umaknjenih.",
        "upload_gone": "Ta predogled ni več veljaven (je že uporabljen ali je potekel). Datoteko naložite znova.",
        "search_title": "Iskanje plačnika",
        "search_label": "Šifra plačnika, ime, naslov ali enota",
        "search_button": "Išči",
        "no_results": "Ni zadetkov.",
        "payer_code": "Šifra plačnika",
        "holder": "Plačnik",
        "address": "Naslov",
        "unit": "Enota",
        "state": "Stanje",
        "state_free": "Ni registriran",
        "state_claimed": "Registriran",
        "state_delayed": "Zakasnjen",
        "state_locked": "Zaklenjen",
        "registered_by": "Registriral",
        "registered_at": "Registriran",
        "blocked_since": "Od",
        "failures": "Neuspelih poskusov",
        "attempts": "Zadnji poskusi",
        "attempt_at": "Čas",
        "attempt_outcome": "Izid",
        "attempt_client": "Omrežje",
        "no_attempts": "Ni poskusov.",
        "unlock": "Odkleni",
        "release": "Sprosti",
        "new_letter": "Novo pismo za registracijo",
        "confirm_unlock": "Ali res želite odkleniti šifro {code}? Prebivalec bo lahko takoj poskusil znova.",
        "confirm_release": "Ali res želite sprostiti plačnika {code}? Račun {who} izgubi dostop do tega plačnika (npr. ob prodaji stanovanja).",
        "confirm_letter": "Ali res želite izdati novo geslo iz položnice za {code}? Staro geslo takoj preneha veljati.",
        "unlocked": "Šifra {code} je odklenjena.",
        "released": "Plačnik {code} je sproščen.",
        "not_claimed": "Plačnik {code} ni registriran.",
        "letter_title": "Pismo za registracijo",
        "letter_once": "Geslo je prikazano samo enkrat in ni nikjer shranjeno. Pismo natisnite zdaj.",
        "print": "Natisni",
        "letter_greeting": "Spoštovani,",
        "letter_body": "za registracijo v portal eSoseska za upravnika {manager} uporabite spodnje podatke. Prejšnje geslo iz položnice ne velja več.",
        "letter_password": "Geslo iz položnice",
        "letter_where": "Registrirate se na naslovu",
        "letter_steps": "Na strani izberite Registracija, vpišite svoje podatke, šifro plačnika in geslo iz položnice.",
        "letter_bye": "Se vidimo na eSoseski!",
        "residents_title": "Prebivalci",
        "residents_search": "Ime ali e-naslov",
        "name": "Ime in priimek",
        "email": "E-naslov",
        "payer_accounts": "Plačniki",
        "export_csv": "Izvozi CSV",
        "previous": "Prejšnja stran",
        "next": "Naslednja stran",
        "page_of": "Stran {page}",
        "no_residents": "Ni prebivalcev.",
        "audit_title": "Dnevnik sprememb",
        "audit_at": "Čas",
        "audit_who": "Kdo",
        "audit_action": "Sprememba",
        "audit_details": "Podrobnosti",
        "no_audit": "Ni vpisov.",
        "lang_switch": "English",
        "yes": "Da",
        "back": "Nazaj",
    },
    "en": {
        "desk": "Manager's desk",
        "platform": "eSoseska",
        "skip": "Skip to content",
        "logout": "Log out",
        "login": "Log in",
        "login_title": "Log in to the manager's desk",
        "login_cancelled": "The login was cancelled.",
        "login_failed": "The login failed or expired. Please try again.",
        "session_expired": "Your login has expired. Please log in again; nothing of the form was changed.",
        "login_again": "Log in again",
        "forbidden_title": "No access",
        "forbidden": "You have no access to this manager. If you should, ask the platform's administrator.",
        "not_found_title": "Page not found",
        "not_found": "There is no such page. Check the address or go back to the overview.",
        "error_title": "Error",
        "error": "Something went wrong. Nothing was changed. Please try again in a few minutes.",
        "csrf_title": "The form has expired",
        "csrf": "The form has expired or was not sent from this page. Nothing was changed. Open the page again.",
        "too_large_title": "The file is too large",
        "too_large": "The file is larger than {mb} MB. Nothing was changed.",
        "keycloak_down": "Residents' accounts can not be reached right now. Nothing was changed. Please try again.",
        "managers": "Managers",
        "choose_manager": "Choose a manager",
        "nav_overview": "Overview",
        "nav_upload": "Payer list",
        "nav_payers": "Find a payer",
        "nav_residents": "Residents",
        "nav_audit": "Change log",
        "overview": "Overview",
        "payers_in_registry": "Payers in the registry",
        "registered": "Registered",
        "registered_share": "Share registered",
        "registrations_week": "Registrations in the last 7 days",
        "locked_now": "Payer codes locked now",
        "last_import": "Last import",
        "no_import": "No list has been imported yet.",
        "import_by": "{at}, {actor}, {rows} rows",
        "upload_title": "Upload the payer list",
        "upload_help": "A CSV file from the billing system: UTF-8 or Windows-1250, separated by commas, semicolons or tabs. Columns payer_code and bill_password are required, holder_name, address and unit optional.",
        "file": "File",
        "complete_list": "This file is the complete list (payers missing from it are retired; their residents lose access)",
        "preview_button": "Check the file",
        "uploading": "Uploading …",
        "no_file": "Choose a file.",
        "file_errors_title": "The file has errors",
        "file_errors": "Nothing was changed. Correct the lines and upload the file again.",
        "preview_title": "Import preview",
        "preview_intro": "Nothing has changed yet. Check the figures and confirm the import.",
        "rows": "Rows",
        "new": "New",
        "changed": "Changed",
        "unchanged": "Unchanged",
        "missing": "In the registry, not in the file",
        "missing_kept": "They stay in the registry (the file is not marked as the complete list).",
        "retire_warning": "These payers will be retired. {n} registered residents will lose access to them:",
        "apply_button": "Apply the import",
        "cancel": "Cancel",
        "applied": "The import is applied: {rows} rows, {new} new, {changed} changed, {unchanged} unchanged, {retired} retired.",
        "upload_gone": "This preview is no longer valid (already applied or expired). Upload the file again.",
        "search_title": "Find a payer",
        "search_label": "Payer code, name, address or unit",
        "search_button": "Search",
        "no_results": "Nothing found.",
        "payer_code": "Payer code",
        "holder": "Payer",
        "address": "Address",
        "unit": "Unit",
        "state": "State",
        "state_free": "Not registered",
        "state_claimed": "Registered",
        "state_delayed": "Delayed",
        "state_locked": "Locked",
        "registered_by": "Registered by",
        "registered_at": "Registered",
        "blocked_since": "Since",
        "failures": "Failed attempts",
        "attempts": "Recent attempts",
        "attempt_at": "Time",
        "attempt_outcome": "Outcome",
        "attempt_client": "Network",
        "no_attempts": "No attempts.",
        "unlock": "Unlock",
        "release": "Release",
        "new_letter": "New registration letter",
        "confirm_unlock": "Unlock payer code {code}? The resident can try again at once.",
        "confirm_release": "Release payer {code}? The account {who} loses access to this payer (e.g. the flat was sold).",
        "confirm_letter": "Issue a new bill password for {code}? The old one stops working at once.",
        "unlocked": "Payer code {code} is unlocked.",
        "released": "Payer {code} is released.",
        "not_claimed": "Payer {code} is not registered.",
        "letter_title": "Registration letter",
        "letter_once": "The password is shown only once and is not stored anywhere. Print the letter now.",
        "print": "Print",
        "letter_greeting": "Dear resident,",
        "letter_body": "to register on the eSoseska portal for the manager {manager}, use the details below. The previous bill password no longer works.",
        "letter_password": "Bill password",
        "letter_where": "Register at",
        "letter_steps": "Choose Register on that page and enter your details, the payer code and the bill password.",
        "letter_bye": "See you on eSoseska!",
        "residents_title": "Residents",
        "residents_search": "Name or e-mail",
        "name": "Name",
        "email": "E-mail",
        "payer_accounts": "Payers",
        "export_csv": "Export CSV",
        "previous": "Previous page",
        "next": "Next page",
        "page_of": "Page {page}",
        "no_residents": "No residents.",
        "audit_title": "Change log",
        "audit_at": "Time",
        "audit_who": "Who",
        "audit_action": "Change",
        "audit_details": "Details",
        "no_audit": "No entries.",
        "lang_switch": "Slovenščina",
        "yes": "Yes",
        "back": "Back",
    },
}

OUTCOMES = {
    "sl": {
        "verified": "uspešno",
        "unknown_payer": "neznana šifra",
        "wrong_bill_password": "napačno geslo",
        "already_claimed": "že registriran",
        "locked": "zaklenjeno",
        "delayed": "zakasnjeno",
        "ip_throttled": "omejeno omrežje",
        "unknown_manager": "neznan upravnik",
    },
    "en": {
        "verified": "verified",
        "unknown_payer": "unknown code",
        "wrong_bill_password": "wrong password",
        "already_claimed": "already registered",
        "locked": "locked",
        "delayed": "delayed",
        "ip_throttled": "network limited",
        "unknown_manager": "unknown manager",
    },
}

ACTIONS = {
    "sl": {
        "import_payers": "uvoz seznama",
        "import_payers_rejected": "zavrnjen uvoz",
        "unlock": "odklep",
        "release_claim": "sprostitev",
        "retire_payers": "umik plačnikov",
        "new_bill_password": "novo geslo iz položnice",
    },
    "en": {
        "import_payers": "list import",
        "import_payers_rejected": "rejected import",
        "unlock": "unlock",
        "release_claim": "release",
        "retire_payers": "payers retired",
        "new_bill_password": "new bill password",
    },
}


# the payer list's errors (csv_import.py words them in English, for the command line and the API), in Slovenian
_PROBLEMS_SL: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), sl)
    for p, sl in (
        (r"payer code (.+) is already on line (\d+)", "šifra plačnika {0} je že v vrstici {1}"),
        (
            r"the file is not text in UTF-8 or Windows-1250.*",
            "datoteka ni besedilo v UTF-8 ali Windows-1250: seznam shranite kot CSV",
        ),
        (r"the file has no payers", "v datoteki ni nobenega plačnika"),
        (
            r"the file is empty.*",
            "datoteka je prazna; prva vrstica mora biti glava payer_code,bill_password[,holder_name,address,unit]",
        ),
        (r"(\w+) is longer than (\d+) characters", "{0} je daljši od {1} znakov"),
        (r"(\w+) contains control characters", "{0} vsebuje nedovoljene (kontrolne) znake"),
        (r"(\w+) is empty", "{0} je prazen"),
        (r"expected (\d+) values, found (\d+)", "pričakovanih vrednosti: {0}, v vrstici jih je {1}"),
        (r"unreadable CSV: (.*)", "vrstice ni mogoče prebrati kot CSV ({0})"),
        (r"and (\d+) more errors", "in še {0} napak"),
        (r"missing column\(s\) (.*)", "manjka stolpec: {0}"),
        (r"unknown column\(s\) (.*)", "neznan stolpec: {0}"),
        (r"a column appears twice", "stolpec se ponovi"),
    )
]


def problem(error: RowError) -> str:
    """One error of a payer list as the office reads it: `vrstica 3: bill_password je prazen`."""
    message = error.message
    if language() == "sl":
        message = "; ".join(_problem_sl(part) for part in message.split("; "))
        return f"vrstica {error.line}: {message}" if error.line else message
    return str(error) if error.line else message


def _problem_sl(message: str) -> str:
    for pattern, sl in _PROBLEMS_SL:
        found = pattern.fullmatch(message)
        if found:
            return sl.format(*found.groups())
    return message


def language() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "sl"


def t(key: str, **values: object) -> str:
    text = TEXTS[language()][key]
    return text.format(**values) if values else text


def outcome(name: str) -> str:
    return OUTCOMES[language()].get(name, name)


def action(name: str) -> str:
    return ACTIONS[language()].get(name, name)


def when(moment: datetime | None) -> str:
    """`4. 12. 2026 14:05` in Ljubljana's time ('' for none; a time without zone is UTC, as SQLite gives it)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TIME)
    return f"{local.day}. {local.month}. {local.year} {local:%H:%M}"


def percent(share: float) -> str:
    """0.5 → `50 %`, 0.1234 → `12,3 %` (a decimal comma in Slovenian)."""
    figure = f"{share * 100:.1f}".removesuffix(".0")
    return (figure.replace(".", ",") if language() == "sl" else figure) + "\u00a0%"


def install(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, outcome=outcome, action=action, language=language, problem=problem)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["percent"] = percent

    @app.before_request
    def switch_language():
        wanted = request.args.get("lang")
        if wanted in LANGUAGES:
            session["lang"] = wanted
