"""A throwaway PostgreSQL cluster on a loopback port: initdb into a directory, `postgres` as a child process.

Debian's `postgresql` package provides the binaries (the Makefile installs it). initdb and postgres refuse to run
as root: as root they run as the package's `postgres` system user, which then owns the data directory.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
from pathlib import Path

from .services import Service, run_as

SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # created by Debian's postgresql package


def postgres_bin() -> Path:
    """The newest Debian PostgreSQL binaries (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise SystemExit("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); run `make setup`")
    return found[-1].parent


class PostgresCluster:
    """One cluster in `directory` (created, and owned by the user postgres runs as), answering on 127.0.0.1:`port`.

    durable=False trades crash safety for speed (no fsync): right for tests, whose data is thrown away.
    """

    def __init__(self, directory: Path, port: int, *, log_path: Path, durable: bool = False) -> None:
        self.directory = directory
        self.port = port
        self.durable = durable
        self.password_file = directory / "superuser-password"
        self.data = directory / "data"
        self._run_as = SYSTEM_USER if os.geteuid() == 0 else None
        bin_dir = postgres_bin()
        options = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"]
        if not durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self.server = Service(
            "PostgreSQL",
            [bin_dir / "postgres", "-D", self.data, "-p", str(port), *options],
            env={},
            cwd=Path("/"),
            log_path=log_path,
            ready=self._accepts_connections,
            ready_timeout=60,
            user=self._run_as,
            stop_signal=signal.SIGINT,
        )  # SIGINT: fast shutdown
        self._initdb = bin_dir / "initdb"

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL of one database (driver "postgresql" for a plain libpq URL)."""
        return f"{driver}://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def jdbc_url(self, database: str) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{database}"

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> PostgresCluster:
        if not (self.data / "PG_VERSION").exists():
            self._init()
        self.server.start()
        self.server.wait_ready()
        return self

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> PostgresCluster:
        """`pg_ctl restart -m fast`: every connection is cut (open transactions roll back), the server shuts down
        cleanly and starts again on the same data and port; clients must connect anew."""
        self.server.stop()
        return self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(secrets.token_urlsafe(18) + "\n")
        self.password_file.chmod(0o600)
        if self._run_as:
            account = pwd.getpwnam(self._run_as)
            for path in (self.directory, self.password_file):
                os.chown(path, account.pw_uid, account.pw_gid)
        no_sync = [] if self.durable else ["--no-sync"]
        subprocess.run(
            [
                self._initdb,
                "-D",
                self.data,
                "-U",
                SUPERUSER,
                f"--pwfile={self.password_file}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                *no_sync,
            ],
            check=True,
            capture_output=True,
            cwd="/",
            **run_as(self._run_as),
        )

    def _accepts_connections(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url(driver="postgresql"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    # --- databases ------------------------------------------------------------------------
    def create_database(self, name: str, template: str | None = None, owner: str | None = None) -> str:
        """Creates database `name` (a copy of `template` if given) and returns its SQLAlchemy URL (as superuser)."""
        self._admin(
            f'CREATE DATABASE "{name}"'
            + (f' TEMPLATE "{template}"' if template else "")
            + (f' OWNER "{owner}"' if owner else "")
        )
        return self.url(name)

    def create_role(self, name: str) -> str:
        """Creates a login role with a new random password, and returns the password."""
        from psycopg import sql

        password = secrets.token_urlsafe(18)
        self._admin(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
        return password

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement) -> None:
        import psycopg

        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as connection:
            connection.execute(statement)
