"""`python -m devstack run`: the dev stack in the foreground until Ctrl-C (what `make run` does); `python -m devstack
otp <e-mail>`: the current OTP of a demo staff member of the desk; `python -m devstack cluster`: two Keycloak nodes
and two bridge replicas behind HAProxy (devstack/cluster.py, `make cluster`)."""

from __future__ import annotations

import signal
import sys
import time

from .demo_staff import PASSWORD as STAFF_PASSWORD
from .demo_staff import STAFF, demo_otp, ensure_demo_staff
from .layout import DEMO_DIR, REALM, VAR, Ports
from .services import ServiceFailed
from .stack import ADMIN_PASSWORD, ADMIN_USER, Stack, StackSettings


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run() -> int:
    stack = Stack(StackSettings(ports=Ports.dev(), var_dir=VAR / "dev"))
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print(
            "starting the mail catcher, the registration bridge and Keycloak (the first start takes a minute) ...",
            flush=True,
        )
        stack.start()
        ensure_demo_staff(stack.settings.keycloak_url)
        s = stack.settings
        print(
            f"""
eSoseska identity stack is up (Ctrl-C stops all of it):

  Register / log in       {s.keycloak_url}/realms/{REALM}/account
  Keycloak admin console  {s.keycloak_url}/admin/   ({ADMIN_USER} / {ADMIN_PASSWORD}, dev only)
  Registration bridge     {s.bridge_url}/healthz   {s.bridge_url}/v1/managers   (what Keycloak calls)
  Bridge admin API        {s.bridge_admin_url}/v1/managers/<id>/payers|claims|audit   (staff tokens)
  Bridge metrics          {s.bridge_metrics_url}   {s.bridge_admin_metrics_url}   (Prometheus)
  Manager's desk          {s.desk_url}   (office staff: {", ".join(x.email for x in STAFF)} / {STAFF_PASSWORD})
  Reference portal (app)  {s.portal_url}   (examples/portal: OIDC login, claims, Dodaj upravnika)
  Mail catcher            {s.mail_url}   (SMTP localhost:{s.ports.smtp}; JSON: {s.mail_url}/email)

Demo payers to register with: {DEMO_DIR.relative_to(DEMO_DIR.parents[1])}/*.csv (listed in the README).
Data and logs: {s.var_dir}
""",
            flush=True,
        )
        if stack.realm_file_changed_since_import():
            print(
                "note: realm-export.json changed since the dev realm was imported; `make reset` re-imports it "
                "(and deletes the dev data).",
                flush=True,
            )
        while all(service.running for service in stack.services):
            time.sleep(1)
        for service in stack.services:
            if not service.running:
                print(
                    f"{service.name} stopped unexpectedly; last lines of {service.log_path}:\n{service.log_tail()}",
                    file=sys.stderr,
                )
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except ServiceFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        stack.stop()


def otp(email: str) -> int:
    """The current OTP of a demo staff member (what their authenticator app would show)."""
    for staff in STAFF:
        if staff.email == email:
            print(demo_otp(staff))
            return 0
    print(f"no demo staff member {email!r}; they are: {', '.join(s.email for s in STAFF)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    if sys.argv[1:] == ["run"]:
        sys.exit(run())
    if sys.argv[1:] == ["cluster"]:
        from .cluster import run as run_cluster

        sys.exit(run_cluster())
    if len(sys.argv) == 3 and sys.argv[1] == "otp":
        sys.exit(otp(sys.argv[2]))
    print("usage: python -m devstack run | cluster | otp <demo staff e-mail>", file=sys.stderr)
    sys.exit(2)
