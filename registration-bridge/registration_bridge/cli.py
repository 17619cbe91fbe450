"""`registration-bridge`: the operator's command line (managers, payer imports, claims, repair)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Engine

from . import schema
from .csv_import import CsvImportError
from .db import make_engine
from .manager_sync import MANAGER_ID
from .models import Manager, PayerUnlock
from .payer_accounts import format_account
from .payer_registry import PayerRegistry
from .settings import Settings, SettingsError


def _fits(value: str, column, param_hint: str) -> str:
    """The value, if its column can keep it (PostgreSQL refuses longer values, SQLite would keep them)."""
    if len(value) > column.type.length:
        raise click.BadParameter(f"at most {column.type.length} characters", param_hint=param_hint)
    return value


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _engine(database_url: str | None = None) -> Iterator[Engine]:
    engine = make_engine(database_url or _settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _registry() -> Iterator[PayerRegistry]:
    """The command's scope: one transaction, committed when the body ends without an exception (transactions.py)."""
    from . import create_app, transactions
    from .context import registry

    app = create_app(_settings())
    with transactions.command(app):
        yield registry()


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command("init-db")
def init_db() -> None:
    """Create the bridge's tables, or migrate them to the newest revision (the same as `db upgrade`)."""
    _upgrade("head")


@main.group("db")
def db() -> None:
    """The database schema: the migrations in registration_bridge/migrations/ (Alembic), on DATABASE_URL."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest). The bridge also does this when it starts."""
    _upgrade(revision)


def _upgrade(revision: str) -> None:
    with _engine() as engine:
        schema.upgrade(engine, revision)
        click.echo(f"database at revision {_described(schema.current_revision(engine))}")


@db.command("current")
def db_current() -> None:
    """Print the database's revision."""
    with _engine() as engine:
        click.echo(_described(schema.current_revision(engine)))


def _described(revision: str | None) -> str:
    if revision is None:
        return "none (empty database)"
    return revision + (" (head)" if revision == schema.head_revision() else " (not the newest: run `db upgrade`)")


@db.command("revision")
@click.option("-m", "--message", required=True, help='What the migration does, e.g. "audit log".')
@click.option(
    "--database-url",
    help="Compare the models with this database, migrated to head first (default: a throwaway SQLite database).",
)
def db_revision(message: str, database_url: str | None) -> None:
    """Write a new migration for what changed in models.py (Alembic autogenerate); read it and adjust it."""
    with tempfile.TemporaryDirectory(prefix="bridge-revision-") as scratch:
        with _engine(database_url or f"sqlite:///{scratch}/head.sqlite3") as engine:
            path = schema.new_revision(engine, message)
    click.echo(f"wrote {path}" if path else "the models and the migrations agree: nothing written")


@main.command("add-manager")
@click.argument("manager_id")
@click.option("--name", required=True, help='The name residents see, e.g. "Staninvest d.o.o.".')
@click.option("--contact-email", help="Where inquiries from the Povpraševanje page go (none: not accepted).")
@click.option(
    "--bridge-only",
    is_flag=True,
    help="Only the bridge's row, no organization (a bridge without Keycloak: tests, benchmarks, seeding before "
    "Keycloak starts). The next sync-managers disables it unless an organization has this alias.",
)
def add_manager(manager_id: str, name: str, contact_email: str | None, bridge_only: bool) -> None:
    """Add a manager (or rename it): its Keycloak organization (alias MANAGER_ID, a short slug such as
    `staninvest`; attribute contactEmail), created or changed through the ops client, and the bridge's row."""
    if not MANAGER_ID.match(manager_id):
        raise click.BadParameter("use lower-case letters, digits and '-', e.g. staninvest", param_hint="MANAGER_ID")
    if not name.strip():
        raise click.BadParameter("the name must not be empty", param_hint="--name")
    _fits(name.strip(), Manager.name, "--name")
    from .inquiries import EMAIL_ADDRESS

    if contact_email is not None and not EMAIL_ADDRESS.match(contact_email.strip()):
        raise click.BadParameter("not an e-mail address", param_hint="--contact-email")
    if contact_email is not None:
        _fits(contact_email.strip(), Manager.contact_email, "--contact-email")
    address = contact_email.strip() if contact_email else None
    if not bridge_only:
        from keycloak.exceptions import KeycloakError

        try:
            org = _operations_gateway().put_organization(manager_id, name.strip(), address)
        except KeycloakError as exc:
            if exc.response_code == 409:
                raise click.ClickException(f"another organization is already named {name.strip()!r}") from exc
            raise click.ClickException(f"Keycloak refused the organization (HTTP {exc.response_code})") from exc
        click.echo(f"organization {manager_id}: {org}")
    with _registry() as registry:
        registry.add_manager(manager_id, name.strip(), address)
    click.echo(f"manager {manager_id}: {name.strip()}" + (f" <{address}>" if address else ""))


def _operator() -> str:
    return os.environ.get("USER", "operator")


@main.command("import-payers")
@click.option("--manager", "manager_id", required=True, help="The manager whose payers the file lists.")
@click.option("--by", "imported_by", default=_operator, show_default="$USER", help="Who imports (for the audit log).")
@click.argument("csv_file", type=click.File("rb"))
def import_payers(manager_id: str, imported_by: str, csv_file) -> None:
    """Import or update a manager's payers from CSV (payer_code,bill_password[,holder_name,address,unit])."""
    from flask import current_app

    from . import admin_actions
    from .audit import Actor
    from .context import db_session

    rejected: CsvImportError | None = None
    with _registry():
        try:
            report = admin_actions.import_payers(
                db_session(),
                current_app.extensions["bridge.hasher"],
                manager_id,
                csv_file,
                Actor(imported_by, via="cli"),
                source=csv_file.name,
            )
        except CsvImportError as exc:
            rejected = exc  # the command ends normally: its audit entry of the rejection is committed
    if rejected is not None:
        click.echo(f"{csv_file.name}: nothing imported, the file has errors:", err=True)
        for error in rejected.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    click.echo(
        f"{csv_file.name}: {report.rows} payers for {manager_id} "
        f"({report.inserted} new, {report.updated} updated, {report.unchanged} unchanged; {report.encoding})"
    )


@main.command("claims")
@click.option("--manager", "manager_id", help="Only this manager's payers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def claims(manager_id: str | None, as_json: bool) -> None:
    """List who claimed which payer account."""
    with _registry() as registry:
        rows = registry.claims(manager_id)
    if as_json:
        click.echo(json.dumps([row.__dict__ for row in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no claims")
        return
    click.echo(f"{'payer account':<32} {'keycloak user id':<38} claimed at")
    for row in rows:
        click.echo(f"{format_account(row.manager_id, row.payer_code):<32} {row.keycloak_user_id:<38} {row.claimed_at}")


@main.command("unlock")
@click.option("--manager", "manager_id", required=True, help="The payer's manager.")
@click.option(
    "--by",
    "unlocked_by",
    default=_operator,
    show_default="$USER",
    help="Who lifts the lock (kept with it and in the audit log).",
)
@click.argument("payer_code")
def unlock(manager_id: str, payer_code: str, unlocked_by: str) -> None:
    """Lift the guessing lock of a payer code (earlier failures stop counting)."""
    from . import admin_actions
    from .audit import Actor
    from .context import db_session, settings
    from .guessing import GuessingGuard
    from .payer_accounts import normalize_payer_code

    code = _fits(normalize_payer_code(payer_code), PayerUnlock.payer_code, "PAYER_CODE")
    _fits(unlocked_by, PayerUnlock.unlocked_by, "--by")
    with _registry():
        admin_actions.unlock_payer(
            db_session(), GuessingGuard(db_session(), settings()), manager_id, code, Actor(unlocked_by, via="cli")
        )
    click.echo(f"unlocked {manager_id}:{code} (by {unlocked_by})")


@main.command("audit")
@click.option("--manager", "manager_id", help="Only this manager's entries.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def audit(manager_id: str | None, limit: int, as_json: bool) -> None:
    """Show the audit log: payer imports and unlocks, who did them and the row counts."""
    from .audit import AuditLog
    from .context import db_session

    with _registry():
        entries = AuditLog(db_session()).entries(manager_id, limit=limit)
    rows = [
        {
            "id": e.id,
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "actor_subject": e.actor_subject,
            "via": e.via,
            "action": e.action,
            "manager_id": e.manager_id,
            "details": e.details,
        }
        for e in entries
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no audit entries")
        return
    for row, entry in zip(rows, entries, strict=True):
        details = " ".join(f"{k}={v}" for k, v in entry.details.items())
        click.echo(
            f"{row['at']}  {row['action']:<22} {row['manager_id'] or '-':<16} {row['actor']} ({row['via']})  {details}"
        )


def _operations_gateway():
    """Keycloak through the command line's own client (registration-bridge-ops), never the running bridge's."""
    from .keycloak_gateway import KeycloakGateway

    try:
        return KeycloakGateway.for_operations(_settings())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


GRACE_HELP = "Leave claims younger than this alone: their registration may still be committing."


def _reconcile(dry_run: bool, grace_minutes: float, only_missing_users: bool) -> None:
    from datetime import timedelta

    from .reconcile import Reconciler

    with _registry() as registry:
        gateway = _operations_gateway()
        findings = Reconciler(
            registry,
            gateway,
            dry_run=dry_run,
            grace=timedelta(minutes=grace_minutes),
            only_missing_users=only_missing_users,
        ).run()
    for finding in findings:
        click.echo(("(dry run) " if dry_run else "") + str(finding))
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.action] = counts.get(finding.action, 0) + 1
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing to fix"
    click.echo(("dry run: " if dry_run else "") + summary)
    if any(f.action in ("conflict", "unknown") for f in findings):
        sys.exit(3)


@main.command("reconcile")
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option("--grace-minutes", type=float, default=10, show_default=True, help=GRACE_HELP)
def reconcile(dry_run: bool, grace_minutes: float) -> None:
    """Find and fix drift between Keycloak's links and the bridge's claims, both ways, and report it.

    Exit code 3 when something needs a person (a payer linked to two accounts, or unknown to the registry).
    """
    _reconcile(dry_run, grace_minutes, only_missing_users=False)


@main.command("repair")
@click.option("--dry-run", is_flag=True, help="Only report what would be released.")
@click.option("--grace-minutes", type=float, default=10, show_default=True, help=GRACE_HELP)
def repair(dry_run: bool, grace_minutes: float) -> None:
    """Release claims whose Keycloak user no longer exists (the quick part of `reconcile`)."""
    _reconcile(dry_run, grace_minutes, only_missing_users=True)


@main.command("sync-managers")
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
def sync_managers_command(dry_run: bool) -> None:
    """Copy Keycloak's organizations into the bridge's managers (alias, name, contactEmail, enabled).

    A manager whose organization is gone is disabled: no new registrations, its payers and claims stay.
    Keycloak tells the bridge about every change itself; this repairs what it could not deliver.
    """
    from .manager_sync import Organization, sync_managers

    organizations = [Organization.from_representation(rep) for rep in _operations_gateway().organizations()]
    with _registry() as registry:
        changes = sync_managers(registry, organizations, dry_run=dry_run)
    for change in changes:
        click.echo(("(dry run) " if dry_run else "") + str(change))
    click.echo(
        ("dry run: " if dry_run else "")
        + (f"{len(changes)} of {len(organizations)} organizations changed" if changes else "managers in step")
    )


@main.command("migrate-to-organizations")
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@click.option(
    "--admin-user", envvar="KEYCLOAK_ADMIN_USER", required=True, show_envvar=True, help="A realm administrator."
)
@click.option(
    "--admin-realm",
    envvar="KEYCLOAK_ADMIN_REALM",
    default="master",
    show_default=True,
    show_envvar=True,
    help="Where the administrator logs in (admin-cli).",
)
@click.password_option(
    "--admin-password", envvar="KEYCLOAK_ADMIN_PASSWORD", show_envvar=True, confirmation_prompt=False
)
def migrate_to_organizations(dry_run: bool, admin_user: str, admin_realm: str, admin_password: str) -> None:
    """Make an installation from before organizations use them, once: enable organizations in the realm, disable
    the browser flow's Organization step, create an organization for every manager (alias = manager id, name,
    contactEmail) and make every user a member of the organizations of their managers and payer accounts.

    Idempotent: a second run finds nothing to do. The password is asked for unless KEYCLOAK_ADMIN_PASSWORD is set.
    """
    from keycloak import KeycloakAdmin
    from keycloak.exceptions import KeycloakError

    from .org_migration import OrganizationMigration

    s = _settings()
    admin = KeycloakAdmin(
        server_url=s.keycloak_url,
        username=admin_user,
        password=admin_password,
        realm_name=s.keycloak_realm,
        user_realm_name=admin_realm,
        verify=True,
    )
    with _registry() as registry:
        managers = registry.managers(enabled_only=False)
        try:
            steps = OrganizationMigration(admin, managers, dry_run=dry_run).run()
        except KeycloakError as exc:
            detail = (
                exc.error_message.decode(errors="replace")
                if isinstance(exc.error_message, bytes)
                else exc.error_message
            )
            raise click.ClickException(f"Keycloak refused a step (HTTP {exc.response_code}): {detail}") from exc
    for step in steps:
        click.echo(("(dry run) " if dry_run else "") + str(step))
    click.echo(("dry run: " if dry_run else "") + (f"{len(steps)} changes" if steps else "nothing to migrate"))
    if any(step.action == "conflict" for step in steps):
        sys.exit(3)


@main.command("users")
@click.option("--manager", "manager_id", required=True, help="The manager whose residents to list.")
def users(manager_id: str) -> None:
    """List the Keycloak users linked to a manager's payers: payer account, e-mail, name, user id."""
    with _registry() as registry:
        rows = registry.claims(manager_id)
    linked = _operations_gateway().linked_users()
    if not rows:
        click.echo(f"no users linked to {manager_id}")
        return
    click.echo(f"{'payer account':<28} {'e-mail':<36} {'name':<28} keycloak user id")
    for row in rows:
        user = linked.get(row.keycloak_user_id)
        email = user.email if user else "(user missing: run reconcile)"
        name = user.name if user else ""
        click.echo(
            f"{format_account(row.manager_id, row.payer_code):<28} {email or '':<36} {name:<28} {row.keycloak_user_id}"
        )


@main.command("staff-login")
@click.option(
    "--keycloak-url",
    envvar="KEYCLOAK_PUBLIC_URL",
    required=True,
    show_envvar=True,
    help="Keycloak's public address, e.g. https://id.example.si.",
)
@click.option("--realm", envvar="KEYCLOAK_REALM", default="esoseska", show_default=True, show_envvar=True)
@click.option(
    "--client-secret", envvar="PAYER_ADMIN_CLI_SECRET", show_envvar=True, help="Secret of the client payer-admin-cli."
)
def staff_login(keycloak_url: str, realm: str, client_secret: str | None) -> None:
    """Get an admin API token as a staff member: open the printed address in a browser, log in there, grant.

    The password is typed into Keycloak's page only, never here (device authorization grant). The access token
    goes to standard output, e.g. TOKEN=$(registration-bridge staff-login); it lives 5 minutes.
    """
    from .staff_login import DeviceLoginError, StaffLogin

    login = StaffLogin(keycloak_url, realm, client_secret=client_secret)
    try:
        authorization = login.start()
        click.echo(
            f"Open {authorization.verification_uri_complete} in a browser, log in and grant access "
            f"(or open {authorization.verification_uri} and enter the code {authorization.user_code}).",
            err=True,
        )
        token = login.wait_for_token(authorization)
    except DeviceLoginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token["access_token"])


@main.command("staff-permissions")
@click.option("--manager", "manager_id", help="Only this manager (organization alias); default: every organization.")
@click.option(
    "--admin-user", envvar="KEYCLOAK_ADMIN_USER", required=True, show_envvar=True, help="A Keycloak administrator."
)
@click.option("--admin-realm", default="master", show_default=True, help="The administrator's realm.")
@click.option(
    "--admin-password",
    envvar="KEYCLOAK_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    show_envvar=True,
    help="Asked for when not in the environment.",
)
def staff_permissions(manager_id: str | None, admin_user: str, admin_realm: str, admin_password: str) -> None:
    """Let /manager-staff/<manager> see its organization's members in Keycloak's admin console (idempotent).

    Run after the realm import and after adding a manager (organization). Needs an administrator who may change
    the realm; the bridge's own clients may not (docs/admin-api.md, 'Staff in Keycloak's admin console').
    """
    from keycloak import KeycloakAdmin
    from keycloak.exceptions import KeycloakError

    from .staff_permissions import StaffPermissions, StaffPermissionsError

    settings = _settings()
    admin = KeycloakAdmin(
        server_url=settings.keycloak_url,
        username=admin_user,
        password=admin_password,
        realm_name=settings.keycloak_realm,
        user_realm_name=admin_realm,
    )
    try:
        lines = StaffPermissions(admin).apply(manager_id)
    except (StaffPermissionsError, KeycloakError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in lines:
        click.echo(line)
