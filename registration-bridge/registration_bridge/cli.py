"""`registration-bridge`: the operator's command line (managers, payer imports, claims, repair)."""
from __future__ import annotations

import json
import re
import sys
from contextlib import contextmanager
from typing import Iterator

import click

from .csv_import import CsvImportError, PayerImport
from .payer_registry import PayerRegistry
from .settings import Settings, SettingsError

MANAGER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@contextmanager
def _registry() -> Iterator[PayerRegistry]:
    from . import create_app
    from .context import registry

    try:
        app = create_app(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    with app.app_context():
        yield registry()


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command("init-db")
def init_db() -> None:
    """Create the bridge's tables if they do not exist."""
    with _registry():
        click.echo("database ready")


@main.command("add-manager")
@click.argument("manager_id")
@click.option("--name", required=True, help='The name residents see, e.g. "Staninvest d.o.o.".')
@click.option("--contact-email", help="Where inquiries from the Povpraševanje page go (none: not accepted).")
def add_manager(manager_id: str, name: str, contact_email: str | None) -> None:
    """Add a manager (or rename it). MANAGER_ID is a short slug such as `staninvest`."""
    if not MANAGER_ID.match(manager_id):
        raise click.BadParameter("use lower-case letters, digits and '-', e.g. staninvest", param_hint="MANAGER_ID")
    if not name.strip():
        raise click.BadParameter("the name must not be empty", param_hint="--name")
    if contact_email is not None and not EMAIL.match(contact_email.strip()):
        raise click.BadParameter("not an e-mail address", param_hint="--contact-email")
    with _registry() as registry:
        registry.add_manager(manager_id, name.strip(), contact_email.strip() if contact_email else None)
    click.echo(f"manager {manager_id}: {name.strip()}" + (f" <{contact_email.strip()}>" if contact_email else ""))


@main.command("import-payers")
@click.option("--manager", "manager_id", required=True, help="The manager whose payers the file lists.")
@click.argument("csv_file", type=click.File("rb"))
def import_payers(manager_id: str, csv_file) -> None:
    """Import or update a manager's payers from CSV (payer_code,bill_password[,holder_name,address,unit])."""
    from .context import db_session
    from flask import current_app

    with _registry():
        importer = PayerImport(db_session(), current_app.extensions["bridge.hasher"])
        try:
            report = importer.run(manager_id, csv_file)
        except CsvImportError as exc:
            click.echo(f"{csv_file.name}: nothing imported, the file has errors:", err=True)
            for error in exc.errors:
                click.echo(f"  {error}", err=True)
            sys.exit(1)
    click.echo(f"{csv_file.name}: {report.rows} payers for {manager_id} "
               f"({report.inserted} new, {report.updated} updated, {report.unchanged} unchanged; {report.encoding})")


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
        click.echo(f"{row.manager_id + ':' + row.payer_code:<32} {row.keycloak_user_id:<38} {row.claimed_at}")


@main.command("repair")
@click.option("--dry-run", is_flag=True, help="Only report what would be released.")
def repair(dry_run: bool) -> None:
    """Release claims whose Keycloak user no longer exists (e.g. a registration that never committed)."""
    from .keycloak_gateway import KeycloakGateway

    with _registry() as registry:
        gateway = KeycloakGateway.from_settings(Settings.from_env())
        orphans = sorted(uid for uid in registry.claimed_user_ids() if not gateway.user_exists(uid))
        released = 0
        for user_id in orphans:
            if not dry_run:
                released += registry.release_claims_of_user(user_id)
            click.echo(f"{'would release' if dry_run else 'released'} claims of missing user {user_id}")
    click.echo(f"repair: {len(orphans)} missing users, {released} claims released")
