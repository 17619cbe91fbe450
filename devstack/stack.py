"""The whole local stack: mail catcher, registration bridge, Keycloak with our provider and realm."""

from __future__ import annotations

import csv
import filecmp
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .layout import (
    BRIDGE_GUNICORN_CONF,
    CACHE,
    DEMO_DIR,
    MAILDEV,
    PROVIDER_JAR,
    REALM,
    REALM_FILE,
    ROOT,
    VENV_BIN,
    Ports,
    keycloak_dist,
    keycloak_version,
)
from .services import Service, ServiceFailed, http_ok, port_in_use

# Dev-only values; the same defaults stand in realm-export.json and registration_bridge/settings.py.
DEV_CALLBACK_SECRET = "dev-only-callback-secret-change-me"
# Keycloak reads the callback secret from its file vault: the file <realm>_<key> in the vault directory
# (BridgeOptions in the provider; the key is its callback-secret-vault-key option, this is the default)
BRIDGE_SECRET_VAULT_KEY = "bridge-callback-secret"
DEV_BRIDGE_CLIENT_SECRET = "dev-only-bridge-client-secret"
# the HMAC key that signs the "Nisem robot" challenges (ALTCHA), also a file of the vault (CaptchaOptions)
DEV_CAPTCHA_HMAC_KEY = "dev-only-captcha-hmac-key-change-me"
CAPTCHA_KEY_VAULT_KEY = "captcha-hmac-key"
# the work of one challenge: in dev and tests a few thousand hashes (the tests solve them in Python), in
# production the provider's default (about a second on a phone)
DEV_CAPTCHA_MAX_NUMBER = 50_000
# while the bridge reports a flood of failed checks: five times that, for 15 s after its last report (production:
# 1 000 000 for 15 minutes), so that a flood made in dev or a test is over soon
DEV_CAPTCHA_ATTACK_MAX_NUMBER = 250_000
DEV_CAPTCHA_ATTACK_SECONDS = 15
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
# what `kc.sh build` fixes for production mode (start --optimized then starts without a build step): one node
# (cache=local: no cluster discovery, which would also collide with other stacks on the same machine)
PRODUCTION_BUILD_OPTIONS = ("--db=postgres", "--health-enabled=true", "--cache=local", "--vault=file")
# Keycloak's build step (kc.sh build, or the one start-dev runs) writes only lib/quarkus/ of its home: the last one
# of each mode is kept here, for its Keycloak version and provider JAR, so a fresh home starts without it (30-120 s)
KEYCLOAK_BUILDS = CACHE / "keycloak-builds"


@dataclass(frozen=True)
class KeycloakDatabase:
    """Keycloak's own PostgreSQL database, for production mode."""

    jdbc_url: str
    username: str
    password: str


@dataclass(frozen=True)
class StackSettings:
    ports: Ports
    var_dir: Path  # all state of this stack: Keycloak home and data, bridge database, logs
    callback_secret: str = DEV_CALLBACK_SECRET
    captcha_hmac_key: str = DEV_CAPTCHA_HMAC_KEY
    bridge_client_secret: str = DEV_BRIDGE_CLIENT_SECRET
    fresh: bool = False  # start from empty data (tests) instead of keeping it (make run)
    bridge_env: dict[str, str] = field(default_factory=dict)
    # set: Keycloak in production mode on this database (kc.sh build, then start --optimized with a fixed hostname,
    # plain HTTP on loopback); None: start-dev with its own file database under var_dir (make run)
    keycloak_database: KeycloakDatabase | None = None
    bridge_database_url: str | None = None  # None: SQLite under var_dir
    # production mode: more options of `start` (a cluster node's cache and its transport address)
    keycloak_start_options: tuple[str, ...] = ()
    # the address residents use, when it is not Keycloak's own port (a cluster node behind the load balancer)
    keycloak_public_url: str | None = None
    # the work of the "Nisem robot" challenges (bench/captcha_solve.py measures the production default)
    captcha_max_number: int = DEV_CAPTCHA_MAX_NUMBER
    captcha_attack_max_number: int = DEV_CAPTCHA_ATTACK_MAX_NUMBER

    @property
    def production(self) -> bool:
        return self.keycloak_database is not None

    @property
    def keycloak_url(self) -> str:
        return self.keycloak_public_url or f"http://localhost:{self.ports.keycloak}"

    @property
    def bridge_url(self) -> str:
        return f"http://localhost:{self.ports.bridge}"

    @property
    def bridge_admin_url(self) -> str:
        return f"http://localhost:{self.ports.bridge_admin}"

    @property
    def bridge_metrics_url(self) -> str:
        return f"http://localhost:{self.ports.bridge_metrics}/metrics"

    @property
    def bridge_admin_metrics_url(self) -> str:
        return f"http://localhost:{self.ports.bridge_admin_metrics}/metrics"

    @property
    def desk_url(self) -> str:
        return f"http://localhost:{self.ports.desk}"

    @property
    def portal_url(self) -> str:
        return f"http://localhost:{self.ports.portal}"

    @property
    def mail_url(self) -> str:
        return f"http://localhost:{self.ports.mail_web}"

    @property
    def database_url(self) -> str:
        return self.bridge_database_url or f"sqlite:///{self.var_dir / 'bridge.sqlite3'}"

    @property
    def logs(self) -> Path:
        return self.var_dir / "logs"

    @property
    def keycloak_home(self) -> Path:
        return self.var_dir / "keycloak"

    @property
    def keycloak_vault(self) -> Path:
        return self.var_dir / "keycloak-vault"

    def keycloak_bridge_options(self) -> dict[str, str]:
        """The provider's bridge options (esoseska-bridge SPI) and the file vault that holds the callback secret."""
        return {
            "KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL": f"http://127.0.0.1:{self.ports.bridge}",
            "KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__MAX_NUMBER": str(self.captcha_max_number),
            "KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__ATTACK_MAX_NUMBER": str(self.captcha_attack_max_number),
            "KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__ATTACK_SECONDS": str(DEV_CAPTCHA_ATTACK_SECONDS),
            "KC_VAULT": "file",
            "KC_VAULT_DIR": str(self.keycloak_vault),
        }

    def bridge_environment(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "BRIDGE_CALLBACK_SECRET": self.callback_secret,
            "KEYCLOAK_URL": self.keycloak_url,
            "KEYCLOAK_REALM": REALM,
            "BRIDGE_KEYCLOAK_CLIENT_ID": "registration-bridge",
            "BRIDGE_KEYCLOAK_CLIENT_SECRET": self.bridge_client_secret,
            "BRIDGE_SMTP_HOST": "127.0.0.1",
            "BRIDGE_SMTP_PORT": str(self.ports.smtp),
            "DESK_PUBLIC_URL": self.desk_url,
            **self.bridge_env,
        }


class Stack:
    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.keycloak_build_reused = False  # Keycloak's build step came from KEYCLOAK_BUILDS, not from this start
        s = settings
        self.mail = Service(
            "mail catcher",
            [MAILDEV, "--smtp", s.ports.smtp, "--web", s.ports.mail_web, "--ip", "127.0.0.1"],
            env={},
            cwd=ROOT,
            log_path=s.logs / "maildev.log",
            ready=http_ok(f"http://127.0.0.1:{s.ports.mail_web}/email"),
            ready_timeout=30,
        )
        self.bridge = self.bridge_service("callbacks", s.ports.bridge, s.ports.bridge_metrics)
        self.bridge_admin = self.bridge_service("admin", s.ports.bridge_admin, s.ports.bridge_admin_metrics)
        self.desk = self.bridge_service("desk", s.ports.desk, s.ports.desk_metrics)
        self.portal = Service(
            "reference portal",
            [
                VENV_BIN / "gunicorn",
                "--chdir",
                ROOT / "examples" / "portal",
                "--bind",
                f"127.0.0.1:{s.ports.portal}",
                "--workers",
                "1",
                "portal:create_app()",
            ],
            env={"PORTAL_KEYCLOAK_URL": s.keycloak_url, "PORTAL_CLIENT_ID": "portal-demo"},
            cwd=ROOT,
            log_path=s.logs / "portal.log",
            ready=http_ok(f"http://127.0.0.1:{s.ports.portal}/"),
            ready_timeout=30,
        )
        self.keycloak = Service(
            "Keycloak",
            self._keycloak_command(),
            env={
                **self._keycloak_database_environment(),
                **s.keycloak_bridge_options(),
                "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
                "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                # the placeholders of realm-export.json
                "BRIDGE_KEYCLOAK_CLIENT_SECRET": s.bridge_client_secret,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(s.ports.smtp),
                "KEYCLOAK_PUBLIC_URL": s.keycloak_url,
                "PORTAL_DEMO_URL": s.portal_url,
                "DESK_PUBLIC_URL": s.desk_url,
            },
            cwd=ROOT,
            log_path=s.logs / "keycloak.log",
            ready=self._keycloak_ready,
            ready_timeout=600,  # a cold start (schema, master realm, import) on 2 busy cores took 245 s
        )

    def bridge_service(self, role: str, port: int, metrics_port: int, replica: str = "") -> Service:
        """A gunicorn of the bridge in one BRIDGE_ROLE on `port`; `replica` names a second one of the same role."""
        s = self.settings
        suffix = f"-{replica}" if replica else ""
        title, log_name = {
            "callbacks": ("registration bridge", "bridge"),
            "admin": ("registration bridge admin API", "bridge-admin"),
            "desk": ("manager's desk", "desk"),
        }[role]
        return Service(
            f"{title} {replica}".strip(),
            [VENV_BIN / "gunicorn", "--config", BRIDGE_GUNICORN_CONF, "--bind", f"127.0.0.1:{port}"],
            env={
                **s.bridge_environment(),
                "BRIDGE_ROLE": role,
                "BRIDGE_METRICS_BIND": f"127.0.0.1:{metrics_port}",
                "PROMETHEUS_MULTIPROC_DIR": str(s.var_dir / f"metrics-{role}{suffix}"),
            },  # one folder per gunicorn
            cwd=ROOT,
            log_path=s.logs / f"{log_name}{suffix}.log",
            ready=http_ok(f"http://127.0.0.1:{port}/healthz"),
            ready_timeout=30,
        )

    def _keycloak_command(self) -> list:
        s = self.settings
        kc, ports = (
            s.keycloak_home / "bin" / "kc.sh",
            [f"--http-port={s.ports.keycloak}", f"--http-management-port={s.ports.keycloak_management}"],
        )
        if not s.production:
            return [kc, "start-dev", *ports, "--import-realm", "--health-enabled=true"]
        # no TLS on loopback: plain HTTP, bound to 127.0.0.1 only; every URL Keycloak makes uses this hostname
        return [
            kc,
            "start",
            "--optimized",
            *ports,
            "--http-enabled=true",
            "--http-host=127.0.0.1",
            f"--hostname={s.keycloak_url}",
            "--hostname-strict=true",
            "--import-realm",
            *s.keycloak_start_options,
        ]

    def _keycloak_database_environment(self) -> dict[str, str]:
        db = self.settings.keycloak_database
        if db is None:
            return {}
        # the environment, not the command line: the password stays out of `ps`
        return {"KC_DB_URL": db.jdbc_url, "KC_DB_USERNAME": db.username, "KC_DB_PASSWORD": db.password}

    def _keycloak_ready(self) -> bool:
        p = self.settings.ports
        return (
            http_ok(f"http://127.0.0.1:{p.keycloak_management}/health/ready")()
            and http_ok(f"http://127.0.0.1:{p.keycloak}/realms/{REALM}/.well-known/openid-configuration")()
        )

    # --- preparation ----------------------------------------------------------------------
    def prepare(self) -> None:
        """Keycloak's home; the demo data follows in start(), while Keycloak starts."""
        s = self.settings
        if s.fresh and s.var_dir.exists():
            shutil.rmtree(s.var_dir)
        s.var_dir.mkdir(parents=True, exist_ok=True)
        self.write_vault_secret(s.callback_secret)
        self.write_vault_secret(s.captcha_hmac_key, CAPTCHA_KEY_VAULT_KEY)
        self._prepare_keycloak_home()

    def write_vault_secret(self, secret: str, key: str = BRIDGE_SECRET_VAULT_KEY) -> Path:
        """Puts a secret into Keycloak's file vault: by default the callback secret (the same value the bridge
        gets); with CAPTCHA_KEY_VAULT_KEY the captcha's HMAC key."""
        vault = self.settings.keycloak_vault
        vault.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = vault / f"{REALM.replace('_', '__')}_{key.replace('_', '__')}"
        path.touch(mode=0o600)
        path.write_text(secret, encoding="utf-8")
        return path

    def _prepare_keycloak_home(self) -> None:
        home = self.settings.keycloak_home
        dist = keycloak_dist()
        if not (dist / "bin" / "kc.sh").exists():
            raise SystemExit(f"Keycloak {keycloak_version()} is not in {dist}; run `make setup` first")
        if not PROVIDER_JAR.exists():
            raise SystemExit(f"{PROVIDER_JAR} is missing; run `make setup` first")
        installed = home / "version.txt"
        if installed.exists() and keycloak_version() not in installed.read_text():
            # another Keycloak version: keep nothing of the old install (its dev data would not upgrade cleanly)
            shutil.rmtree(home)
        new_home = not home.exists()
        if new_home:
            shutil.copytree(dist, home, symlinks=True)
        shutil.copy2(PROVIDER_JAR, home / "providers" / PROVIDER_JAR.name)
        self.keycloak_build_reused = new_home and self._restore_keycloak_build()
        import_dir = home / "data" / "import"
        import_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REALM_FILE, import_dir / f"{REALM}.json")
        if self.settings.production and not self.keycloak_build_reused:
            self._build_keycloak()
            self.keep_keycloak_build()

    def _keycloak_build_cache(self) -> Path:
        """Where the build of this Keycloak version, provider JAR (its bytes and time: Keycloak compares the time)
        and mode is kept."""
        digest = hashlib.sha256(PROVIDER_JAR.read_bytes())
        digest.update(f"{keycloak_version()} {PROVIDER_JAR.stat().st_mtime_ns}".encode())
        digest.update(repr(PRODUCTION_BUILD_OPTIONS).encode())
        return KEYCLOAK_BUILDS / ("production" if self.settings.production else "dev") / digest.hexdigest()[:20]

    def _restore_keycloak_build(self) -> bool:
        """The kept build into the new home: True when there is one. (A dev home whose build does not fit after
        all, e.g. with other build options, is built again by start-dev itself.)"""
        kept = self._keycloak_build_cache()
        if not kept.is_dir():
            return False
        shutil.copytree(kept, self.settings.keycloak_home / "lib" / "quarkus", dirs_exist_ok=True)
        return True

    def keep_keycloak_build(self) -> None:
        """Keeps the home's build for the next fresh home, when it is not the one kept already."""
        built, kept = self.settings.keycloak_home / "lib" / "quarkus", self._keycloak_build_cache()
        if kept.is_dir() and not filecmp.dircmp(built, kept).diff_files:
            return
        for older in kept.parent.glob("[!.]*"):  # builds for another JAR or Keycloak version
            shutil.rmtree(older, ignore_errors=True)
        staging = kept.parent / f".{kept.name}.{os.getpid()}"
        shutil.copytree(built, staging)
        try:
            staging.rename(kept)
        except OSError:  # another stack kept it in the meantime
            shutil.rmtree(staging, ignore_errors=True)

    def _build_keycloak(self) -> None:
        """kc.sh build: the build-time options and our provider baked in, as a production image would have them."""
        s = self.settings
        log_path = s.logs / "keycloak-build.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            result = subprocess.run(
                [s.keycloak_home / "bin" / "kc.sh", "build", *PRODUCTION_BUILD_OPTIONS],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=600,
            )
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise ServiceFailed(f"kc.sh build failed ({result.returncode}); last lines of {log_path}:\n{tail}")

    def realm_file_changed_since_import(self) -> bool:
        """True when realm-export.json differs from the one the kept dev realm was imported from."""
        marker = self.settings.keycloak_home / "data" / "realm-imported.sha256"
        current = hashlib.sha256(REALM_FILE.read_bytes()).hexdigest()
        if not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(current)
            return False
        return marker.read_text().strip() != current

    def seed_demo_data(self) -> None:
        """Demo managers and payers (registration-bridge/demo/), so a person can register at once."""
        cli = str(VENV_BIN / "registration-bridge")
        env = {**os.environ, **self.settings.bridge_environment()}
        with open(DEMO_DIR / "managers.csv", encoding="utf-8", newline="") as managers:
            rows = list(csv.DictReader(managers))
        for row in rows:
            manager_id = row["id"]
            subprocess.run(
                [
                    cli,
                    "add-manager",
                    "--bridge-only",
                    manager_id,
                    "--name",
                    row["name"],
                    "--contact-email",
                    row["contact_email"],
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            subprocess.run(
                [cli, "import-payers", "--manager", manager_id, str(DEMO_DIR / f"{manager_id}.csv")],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def set_up_staff_permissions(self) -> None:
        """Per-manager admin permissions of staff: Keycloak can not import them with the realm (docs/admin-api.md),
        so the operator's command sets them up once Keycloak is ready; it is idempotent."""
        env = {
            **os.environ,
            **self.settings.bridge_environment(),
            "KEYCLOAK_ADMIN_USER": ADMIN_USER,
            "KEYCLOAK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }
        result = subprocess.run(
            [str(VENV_BIN / "registration-bridge"), "staff-permissions"], env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise ServiceFailed(f"registration-bridge staff-permissions failed: {result.stderr.strip()}")

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def services(self) -> tuple[Service, ...]:
        return (self.mail, self.bridge, self.bridge_admin, self.desk, self.portal, self.keycloak)

    def start(self) -> Stack:
        busy = [port for port in vars(self.settings.ports).values() if port_in_use(port)]
        if busy:
            raise ServiceFailed(f"port(s) {', '.join(map(str, busy))} already in use: is another stack still running?")
        self.prepare()
        # Keycloak takes longest to be ready (and calls the bridge only once it is): it starts first, and the demo
        # data (six CLI runs, 10-60 s on 2 busy cores) is seeded while it starts
        self.keycloak.start()
        self.seed_demo_data()
        for service in self.services:
            if service is not self.keycloak:
                service.start()
        for service in self.services:
            service.wait_ready()
        if not self.settings.production:
            self.keep_keycloak_build()  # the one start-dev made (or found)
        self.set_up_staff_permissions()
        return self

    def stop(self) -> None:
        services = tuple(reversed(self.services))
        for service in services:
            service.terminate()
        for service in services:
            service.stop()
