"""The bill password is a one-time proof: after registrations it is nowhere in Keycloak or the bridge."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from pathlib import Path

import pytest

from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration


def files_containing(root: Path, needles: list[bytes]) -> dict[str, list[str]]:
    """Which files under root (logs, Keycloak's H2 database, the bridge's SQLite database) contain each needle."""
    found: dict[str, list[str]] = {needle.decode(): [] for needle in needles}
    for path in root.rglob("*"):
        if not path.is_file() or "lib" in path.relative_to(root).parts[:2] or path.suffix in (".jar", ".png"):
            continue
        data = path.read_bytes()
        for needle in needles:
            if needle in data or needle.decode().encode("utf-16-le") in data:
                found[needle.decode()].append(str(path.relative_to(root)))
    return found


def test_no_bill_password_in_any_log_or_database(stack, browser, admin, make_payer, resident):
    mark = secrets.token_hex(4)
    right = f"Skrivnost-{mark}"
    wrong = f"Napacno-{mark}"
    payer = make_payer("staninvest")
    # the payer's bill password becomes recognisable: re-import it
    csv = stack.settings.var_dir / f"secret-{mark}.csv"
    csv.write_text(f"payer_code,bill_password\n{payer['code']},{right}\n", encoding="utf-8")
    from .conftest import run_bridge_cli

    assert run_bridge_cli(stack, "import-payers", "--manager", "staninvest", str(csv)).returncode == 0
    csv.unlink()

    values = dict(resident, payerCode=payer["code"], billPassword=wrong)
    register(browser, values)  # refused: a wrong bill password
    register(browser, dict(values, billPassword=right))  # accepted
    [user] = users_with_email(admin, values["email"])
    assert right not in json.dumps(user) and wrong not in json.dumps(user)
    assert right not in json.dumps(admin.get_events({"user": user["id"]}))

    time.sleep(2)  # let the databases and logs reach the disk
    found = files_containing(
        stack.settings.var_dir, [right.encode(), wrong.encode(), values["email"].encode(), payer["code"].encode()]
    )
    # the search does see what is stored (the e-mail in Keycloak's database, the payer code in the bridge's) ...
    assert found[values["email"]], "the e-mail is not found anywhere: the search can not see the databases"
    assert found[payer["code"]]
    # ... and neither bill password is anywhere
    assert found[right] == [] and found[wrong] == []
