"""Demo office staff of `make run`'s two managers, for the manager's desk: made in the running dev realm (never in
realm-export.json, which production imports), each with a password and an OTP whose secret the README lists, so a
developer can log in to the desk at once (an authenticator app with the base32 key, or `demo_otp`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
from dataclasses import dataclass

from .layout import REALM
from .realm_compare import Admin

PASSWORD = "dev-only-Pisarna-2026"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    manager_id: str
    otp_secret: str  # Keycloak's key is the secret string's bytes; apps take its base32

    @property
    def email(self) -> str:  # what they log in with, as residents do
        return f"{self.username}@example.si"

    @property
    def otp_key_base32(self) -> str:
        return base64.b32encode(self.otp_secret.encode()).decode().rstrip("=")


STAFF = (
    DemoStaff("pisarna.staninvest", "Petra Pisarna", "staninvest", "dev-only-otp-staninvest"),
    DemoStaff("pisarna.domovanje", "Darko Pisarna", "domovanje", "dev-only-otp-domovanje"),
)


def demo_otp(staff: DemoStaff, at: float | None = None) -> str:
    """The six digits the demo staff member's authenticator shows now (RFC 6238, HmacSHA1, 30 s)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(staff.otp_secret.encode(), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return str((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6).zfill(6)


def _user(staff: DemoStaff) -> dict:
    first, last = staff.name.split(" ", 1)
    return {
        "username": staff.username,
        "email": staff.email,
        "emailVerified": True,
        "enabled": True,
        "firstName": first,
        "lastName": last,
        "attributes": {"phone_number": ["041 000 111"]},  # the realm's user profile asks everybody for one
        "groups": [f"/manager-staff/{staff.manager_id}"],
        "credentials": [
            {"type": "password", "value": PASSWORD, "temporary": False},
            {
                "type": "otp",
                "userLabel": "demo",
                "secretData": json.dumps({"value": staff.otp_secret}),
                "credentialData": json.dumps(
                    {"subType": "totp", "digits": 6, "counter": 0, "period": 30, "algorithm": "HmacSHA1"}
                ),
            },
        ],
    }


def ensure_demo_staff(keycloak_url: str) -> None:
    """Add the demo staff to the dev realm; those already there are left as they are."""
    admin = Admin(keycloak_url)
    admin.call(
        "POST",
        f"/{REALM}/partialImport",
        json={"ifResourceExists": "SKIP", "users": [_user(s) for s in STAFF]},
    )
