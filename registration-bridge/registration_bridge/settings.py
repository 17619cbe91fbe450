"""Every setting of the bridge, read from the environment in one place.

Dev defaults let `make run` work out of the box. They are marked as such, and a bridge started
with BRIDGE_ENV=production refuses to start while any secret is a published placeholder or short.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

DEV_CALLBACK_SECRET = "dev-only-callback-secret-change-me"
DEV_BILL_PASSWORD_KEY = "dev-only-bill-password-key-change-me"
DEV_KEYCLOAK_CLIENT_SECRET = "dev-only-bridge-client-secret"
ROLES = ("callbacks", "admin", "desk")
DEFAULT_METRICS_BIND = {"callbacks": "127.0.0.1:9100", "admin": "127.0.0.1:9101", "desk": "127.0.0.1:9102"}
DEV_DESK_CLIENT_SECRET = "dev-only-manager-desk-secret"
DEV_DESK_SESSION_KEY = "dev-only-desk-session-key-change-me"
DEV_OPS_CLIENT_SECRET = "dev-only-bridge-ops-client-secret"
# a secret shorter than this, or containing a marker of a published placeholder (.env.example, realm-export.json),
# stops a production start
MIN_SECRET_BYTES = 32
PLACEHOLDER_MARKERS = ("dev-only", "change-me")
# Keycloak's wait for one callback: the payer-check provider's default timeoutMs, 3000 ms (tests/unit/test_settings.py
# reads both). A callback's orphan check asks Keycloak's admin API at most twice, one after the other (a token when
# the cached one is stale, then the user), each bounded by keycloak_timeout_seconds: both, with room for the rest of
# the callback, must fit inside Keycloak's wait, or a silent Keycloak turns a registration into "try again later".
KEYCLOAK_CALLBACK_TIMEOUT_SECONDS = 3.0
CALLBACK_ROOM_SECONDS = 0.5
MAX_KEYCLOAK_TIMEOUT_SECONDS = (KEYCLOAK_CALLBACK_TIMEOUT_SECONDS - CALLBACK_ROOM_SECONDS) / 2  # 1.25


class SettingsError(RuntimeError):
    """A setting is missing or unsafe for the environment the bridge runs in."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    # relative to the working directory: from the repository's root, the database of `make run` (devstack)
    database_url: str = "sqlite:///var/dev/bridge.sqlite3"
    # Shared with Keycloak's payer-check execution: signs every callback (HMAC-SHA256).
    callback_secret: str = DEV_CALLBACK_SECRET
    # Accepted besides callback_secret while a secret is being rotated (empty: none).
    callback_secret_previous: str = ""
    signature_tolerance_seconds: int = 300
    # Key of the keyed hash (HMAC-SHA256) that bill passwords are stored as.
    bill_password_key: str = DEV_BILL_PASSWORD_KEY
    # How long the ticket from /verify may be exchanged for a claim.
    ticket_ttl_seconds: int = 600
    # a claim this old whose Keycloak user does not exist is an orphan (see PayerRegistry) and is released
    orphan_claim_age_seconds: int = 60
    # how long the orphan check waits for each answer from Keycloak's admin API (the token, then the user) while
    # Keycloak waits timeoutMs (3 s) for the callback; past it the claim stands (fail closed). At most
    # MAX_KEYCLOAK_TIMEOUT_SECONDS: both waits must fit inside Keycloak's
    keycloak_timeout_seconds: float = 1.0
    max_request_bytes: int = 16 * 1024
    # guessing: per payer code, growing delays from the 3rd failure and a lock after 10 within 24 h;
    # per client IP (as Keycloak sees it) a budget lenient enough for a building behind one address
    payer_max_failures: int = 10
    payer_failure_window_hours: int = 24
    payer_delay_after_failures: int = 3
    payer_delay_base_seconds: int = 30
    payer_delay_max_seconds: int = 900
    ip_max_failures_per_hour: int = 100
    # more failures than this in an hour, overall, is an attack: correct bill passwords still pass, the budget of a
    # network shrinks to ip_max_failures_per_hour_under_attack and verify asks for a captcha (see guessing.py)
    max_failures_per_hour: int = 10000
    ip_max_failures_per_hour_under_attack: int = 10
    # how often each worker looks whether it is under attack
    attack_check_seconds: int = 10
    # personal data in the logs of checks and inquiries: rows older than this are deleted; client IPs older than
    # ip_truncate_hours are cut to their /24 (IPv4) or /48 (IPv6); a pass at most every retention_pass_seconds
    retention_days: int = 30
    ip_truncate_hours: int = 24
    retention_pass_seconds: int = 600
    # the audit log (who imported or unlocked what) is kept longer: it is the managers' accountability record
    audit_retention_days: int = 365
    # outgoing mail (inquiries to managers)
    smtp_host: str = "localhost"
    smtp_port: int = 1025
    mail_from: str = "noreply@esoseska.si"
    inquiries_per_ip_per_hour: int = 5
    inquiries_per_hour: int = 200
    # "json": one JSON object a line with the correlation id (production, log shippers); "text": for people
    log_format: str = "json"
    keycloak_url: str = "http://localhost:8080"
    keycloak_realm: str = "esoseska"
    keycloak_client_id: str = "registration-bridge"
    keycloak_client_secret: str = DEV_KEYCLOAK_CLIENT_SECRET
    # the command line's own client (reconcile, repair, users: reads and edits users); the running service never
    # uses it. Empty: not configured (those commands refuse to run)
    keycloak_ops_client_id: str = "registration-bridge-ops"
    keycloak_ops_client_secret: str = ""
    # admin API (payer lists): Keycloak access tokens, checked against the realm's published keys
    # the issuer in tokens is Keycloak's public URL, which may differ from keycloak_url (empty: the same)
    keycloak_public_url: str = ""
    admin_api_audience: str = "payer-admin-api"
    token_leeway_seconds: int = 30
    jwks_timeout_seconds: int = 3
    # keys older than this are fetched again (a key removed in Keycloak stops working within this time)
    jwks_max_age_seconds: int = 300
    # an unknown key id fetches the keys again at most this often (random key ids must not hammer Keycloak)
    jwks_min_refetch_seconds: int = 10
    # payer list uploads only; every other route keeps max_request_bytes
    max_upload_bytes: int = 200 * 1024 * 1024
    # which of the bridge's two processes this is: "callbacks" (what Keycloak calls, 3 s budget) or "admin" (the
    # admin API: uploads, claims, audit); each runs as its own gunicorn, so uploads never hold a callback's worker
    role: str = "callbacks"
    # Prometheus scrape address (host:port) of this process, served by the gunicorn master, never on the app's
    # port (the counts by outcome would tell a guesser what the form hides); empty: 127.0.0.1:9100 for the
    # callbacks, 127.0.0.1:9101 for the admin API
    metrics_bind: str = ""
    # the manager's desk (role "desk", registration_bridge/desk): where staff reach it, its Keycloak client (code
    # flow + PKCE for the staff's login, its service account for residents' accounts) and the key of its sessions
    desk_public_url: str = "http://localhost:8100"
    desk_client_id: str = "manager-desk"
    desk_client_secret: str = DEV_DESK_CLIENT_SECRET
    desk_session_key: str = DEV_DESK_SESSION_KEY
    # a desk session ends this long after the login (then the staff member logs in again, with the OTP)
    desk_session_hours: int = 8

    # environment variable of each field
    ENV_NAMES = {
        "environment": "BRIDGE_ENV",
        "database_url": "DATABASE_URL",
        "callback_secret": "BRIDGE_CALLBACK_SECRET",
        "callback_secret_previous": "BRIDGE_CALLBACK_SECRET_PREVIOUS",
        "signature_tolerance_seconds": "BRIDGE_SIGNATURE_TOLERANCE_SECONDS",
        "bill_password_key": "BRIDGE_BILL_PASSWORD_KEY",
        "ticket_ttl_seconds": "BRIDGE_TICKET_TTL_SECONDS",
        "orphan_claim_age_seconds": "BRIDGE_ORPHAN_CLAIM_AGE_SECONDS",
        "keycloak_timeout_seconds": "BRIDGE_KEYCLOAK_TIMEOUT_SECONDS",
        "max_request_bytes": "BRIDGE_MAX_REQUEST_BYTES",
        "payer_max_failures": "BRIDGE_PAYER_MAX_FAILURES",
        "payer_failure_window_hours": "BRIDGE_PAYER_FAILURE_WINDOW_HOURS",
        "payer_delay_after_failures": "BRIDGE_PAYER_DELAY_AFTER_FAILURES",
        "payer_delay_base_seconds": "BRIDGE_PAYER_DELAY_BASE_SECONDS",
        "payer_delay_max_seconds": "BRIDGE_PAYER_DELAY_MAX_SECONDS",
        "ip_max_failures_per_hour": "BRIDGE_IP_MAX_FAILURES_PER_HOUR",
        "max_failures_per_hour": "BRIDGE_MAX_FAILURES_PER_HOUR",
        "ip_max_failures_per_hour_under_attack": "BRIDGE_IP_MAX_FAILURES_PER_HOUR_UNDER_ATTACK",
        "attack_check_seconds": "BRIDGE_ATTACK_CHECK_SECONDS",
        "retention_days": "BRIDGE_RETENTION_DAYS",
        "ip_truncate_hours": "BRIDGE_IP_TRUNCATE_HOURS",
        "retention_pass_seconds": "BRIDGE_RETENTION_PASS_SECONDS",
        "audit_retention_days": "BRIDGE_AUDIT_RETENTION_DAYS",
        "smtp_host": "BRIDGE_SMTP_HOST",
        "smtp_port": "BRIDGE_SMTP_PORT",
        "mail_from": "BRIDGE_MAIL_FROM",
        "inquiries_per_ip_per_hour": "BRIDGE_INQUIRIES_PER_IP_PER_HOUR",
        "inquiries_per_hour": "BRIDGE_INQUIRIES_PER_HOUR",
        "log_format": "BRIDGE_LOG_FORMAT",
        "keycloak_url": "KEYCLOAK_URL",
        "keycloak_realm": "KEYCLOAK_REALM",
        "keycloak_client_id": "BRIDGE_KEYCLOAK_CLIENT_ID",
        "keycloak_client_secret": "BRIDGE_KEYCLOAK_CLIENT_SECRET",
        "keycloak_ops_client_id": "BRIDGE_OPS_CLIENT_ID",
        "keycloak_ops_client_secret": "BRIDGE_OPS_CLIENT_SECRET",
        "keycloak_public_url": "KEYCLOAK_PUBLIC_URL",
        "admin_api_audience": "BRIDGE_ADMIN_API_AUDIENCE",
        "token_leeway_seconds": "BRIDGE_TOKEN_LEEWAY_SECONDS",
        "jwks_timeout_seconds": "BRIDGE_JWKS_TIMEOUT_SECONDS",
        "jwks_max_age_seconds": "BRIDGE_JWKS_MAX_AGE_SECONDS",
        "jwks_min_refetch_seconds": "BRIDGE_JWKS_MIN_REFETCH_SECONDS",
        "max_upload_bytes": "BRIDGE_MAX_UPLOAD_BYTES",
        "role": "BRIDGE_ROLE",
        "metrics_bind": "BRIDGE_METRICS_BIND",
        "desk_public_url": "DESK_PUBLIC_URL",
        "desk_client_id": "DESK_CLIENT_ID",
        "desk_client_secret": "DESK_CLIENT_SECRET",
        "desk_session_key": "DESK_SESSION_KEY",
        "desk_session_hours": "DESK_SESSION_HOURS",
    }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            name = cls.ENV_NAMES[f.name]
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
            elif f.type == "float":
                try:
                    values[f.name] = float(raw)
                except ValueError as exc:
                    raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from exc
            else:
                values[f.name] = raw
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    @property
    def realm_issuer(self) -> str:
        """The `iss` of the realm's tokens: Keycloak's public URL (as browsers and scripts reach it) + realm."""
        return f"{(self.keycloak_public_url or self.keycloak_url).rstrip('/')}/realms/{self.keycloak_realm}"

    @property
    def realm_jwks_url(self) -> str:
        """Where the bridge fetches the realm's public keys: through keycloak_url (its own way to Keycloak)."""
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_realm}/protocol/openid-connect/certs"

    @property
    def metrics_address(self) -> tuple[str, int]:
        """(host, port) of the scrape endpoint, from BRIDGE_METRICS_BIND or the role's default."""
        bind = self.metrics_bind or DEFAULT_METRICS_BIND[self.role]
        host, _, port = bind.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def ops_client_secret(self) -> str:
        """The command line's client secret; in development the realm file's dev default (`make run` works as is)."""
        if self.keycloak_ops_client_secret or self.environment == "production":
            return self.keycloak_ops_client_secret
        return DEV_OPS_CLIENT_SECRET

    @property
    def callback_secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.callback_secret, self.callback_secret_previous) if s)

    def check(self) -> None:
        if self.log_format not in ("json", "text"):
            raise SettingsError(f"BRIDGE_LOG_FORMAT must be json or text, not {self.log_format!r}")
        if self.role not in ROLES:
            raise SettingsError(f"BRIDGE_ROLE must be one of {', '.join(ROLES)}, not {self.role!r}")
        if self.metrics_bind and not re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}", self.metrics_bind):
            raise SettingsError(f"BRIDGE_METRICS_BIND must be host:port, not {self.metrics_bind!r}")
        if not 0 < self.keycloak_timeout_seconds <= MAX_KEYCLOAK_TIMEOUT_SECONDS:
            raise SettingsError(
                f"BRIDGE_KEYCLOAK_TIMEOUT_SECONDS must be more than 0 and at most {MAX_KEYCLOAK_TIMEOUT_SECONDS:g} "
                f"(the orphan check may wait twice, and Keycloak waits {KEYCLOAK_CALLBACK_TIMEOUT_SECONDS:g} s for the "
                f"whole callback), not {self.keycloak_timeout_seconds!r}"
            )
        if self.environment != "production":
            return
        secrets = {
            "BRIDGE_CALLBACK_SECRET": self.callback_secret,
            "BRIDGE_CALLBACK_SECRET_PREVIOUS": self.callback_secret_previous or None,
            "BRIDGE_BILL_PASSWORD_KEY": self.bill_password_key,
            "BRIDGE_KEYCLOAK_CLIENT_SECRET": self.keycloak_client_secret,
            "BRIDGE_OPS_CLIENT_SECRET": self.keycloak_ops_client_secret or None,
        }
        if self.role == "desk":  # only the desk holds these
            secrets["DESK_CLIENT_SECRET"] = self.desk_client_secret
            secrets["DESK_SESSION_KEY"] = self.desk_session_key
        unsafe = [
            f"{name} {reason}"
            for name, value in secrets.items()
            if value is not None and (reason := weak_secret_reason(value))
        ]
        if unsafe:
            raise SettingsError("production needs real secrets (e.g. `openssl rand -hex 32`): " + "; ".join(unsafe))


def weak_secret_reason(value: str) -> str | None:
    """Why `value` must not be a production secret (None: it may). Never repeats the value."""
    if any(marker in value.lower() for marker in PLACEHOLDER_MARKERS):
        return "is a published placeholder (dev-only/change-me)"
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"is shorter than {MIN_SECRET_BYTES} bytes"
    return None
