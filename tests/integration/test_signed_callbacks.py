"""Attacks on the signed callbacks, against the bridge under gunicorn over real HTTP (no Keycloak needed).

An attacker who captured one signed call (a log, a proxy, a mirrored port) tries to get it accepted again: resent as
it is, with extra signature candidates or a second timestamp appended, with its parts reordered or duplicated, or
sent to another signed endpoint. Each must be refused with 401 and the call's effect must have happened once. And
no header, however malformed, may make the bridge answer 5xx: the header itself is fuzzed with raw bytes.
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest
from registration_bridge.signing import sign

from devstack.layout import BRIDGE_GUNICORN_CONF, ROOT, VENV_BIN, free_port
from devstack.services import Service, http_ok

from ..figures import record

pytestmark = pytest.mark.integration

SECRET = "attack-test-callback-secret-0123456789"
VERIFY = "/v1/registrations/verify"
SYNC = "/v1/claims/sync"
RIGHT = {"manager_id": "staninvest", "payer_code": "100200", "bill_password": "Polozn1ca"}
FUZZED_HEADERS = 1200
ROUNDS = 5


def sign_call(method: str, path: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Signature Keycloak puts on this call (CallbackSigner: the same scheme)."""
    return sign(SECRET, method, path, body, timestamp)


class Bridge:
    def __init__(self, port: int, database: Path, script_name: str = ""):
        self.port = port
        self.database = database
        self.script_name = script_name

    def post(self, path: str, body: bytes, signature: bytes | str | None) -> tuple[int, object]:
        """POSTs over a socket of its own, the header's bytes exactly as given (no client library cleans them)."""
        if isinstance(signature, str):
            signature = signature.encode("latin-1")
        head = (
            f"POST {self.script_name}{path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        ).encode()
        if signature is not None:
            head += b"X-Signature: " + signature + b"\r\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(head + b"\r\n" + body)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        status = int(status_line.split()[1])
        payload = rest.partition(b"\r\n\r\n")[2]
        try:
            return status, json.loads(payload)
        except ValueError:
            return status, payload.decode("latin-1")

    def attempts(self) -> int:
        with sqlite3.connect(self.database) as db:
            return db.execute("SELECT count(*) FROM verification_attempts").fetchone()[0]


def start_bridge(tmp: Path, script_name: str = ""):
    database = tmp / "bridge.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "BRIDGE_CALLBACK_SECRET": SECRET}
    cli = str(VENV_BIN / "registration-bridge")
    if not database.exists():
        full = {**os.environ, **env}
        subprocess.run(
            [cli, "add-manager", "--bridge-only", "staninvest", "--name", "Staninvest d.o.o."],
            env=full,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [cli, "import-payers", "--manager", "staninvest", str(ROOT / "registration-bridge/demo/staninvest.csv")],
            env=full,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    # the scrape endpoint on a free port too (its default may be held by another bridge of the suite or `make run`)
    env["BRIDGE_METRICS_BIND"] = f"127.0.0.1:{free_port()}"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp / f"metrics{script_name.replace('/', '-')}")
    if script_name:
        env["SCRIPT_NAME"] = script_name  # gunicorn mounts the app under this prefix (a base path of the bridge URL)
    service = Service(
        "bridge",
        [VENV_BIN / "gunicorn", "--config", BRIDGE_GUNICORN_CONF, "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        log_path=tmp / f"bridge{script_name.replace('/', '-')}.log",
        ready=http_ok(f"http://127.0.0.1:{port}{script_name}/healthz"),
        ready_timeout=90,
    )
    service.start().wait_ready()
    return service, Bridge(port, database, script_name)


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    service, bridge = start_bridge(tmp_path_factory.mktemp("signed-callbacks"))
    try:
        yield bridge
    finally:
        service.stop()


def verify_body(**overrides) -> bytes:
    return json.dumps({**RIGHT, "client_ip": "198.51.100.7", "request_id": uuid.uuid4().hex, **overrides}).encode()


# --- (a) a captured call, resent as it is and bent -------------------------------------------------------------


def bent(header: str) -> dict[str, str]:
    t, v = header.split(",", 1)
    key, _, value = v.partition("=")
    return {
        "as captured": header,
        "another v1 appended": f"{header},v1=deadbeef",
        "another v2 appended": f"{header},v2=deadbeef",
        "the v1 of the old scheme appended": f"{header},v1={'0' * 64}",
        "a second t appended": f"{header},t=1",
        "the same t again": f"{header},{t}",
        "the signature twice": f"{header},{v}",
        "parts reordered": f"{v},{t}",
        "whitespace around the parts": f" {t} , {v} ",
        "hex in capitals": f"{t},{key}={value.upper()}",
        "an empty part appended": f"{header},",
        "an unknown part appended": f"{header},x=1",
        "the header sent twice (gunicorn joins them with a comma)": f"{header}\r\nX-Signature: {header}",
    }


def test_a_captured_call_is_accepted_once_however_its_header_is_bent(bridge):
    body = verify_body()
    header = sign_call("POST", VERIFY, body)
    before = bridge.attempts()
    status, answer = bridge.post(VERIFY, body, header)
    assert status == 200 and answer["ok"] is True, answer

    answers = [(name, bridge.post(VERIFY, body, value)) for _ in range(ROUNDS) for name, value in bent(header).items()]
    accepted = [(name, a) for name, a in answers if a[0] != 401]
    assert accepted == [], f"replays not refused with 401: {accepted}"
    assert bridge.attempts() == before + 1, "the captured call's effect happened more than once"
    record(
        "replays of a captured signed call accepted (as captured and bent, gunicorn)",
        f"{len(accepted)} of {len(answers)} ({len(answers) // ROUNDS} ways, {ROUNDS} times each)",
    )


def test_each_bent_header_is_refused_even_when_the_call_was_never_sent(bridge):
    # not only the replay cache: the header itself is malformed, so the signature check refuses it first
    for name in bent(sign_call("POST", VERIFY, b"{}")):
        if name == "as captured":
            continue
        body = verify_body()
        status, answer = bridge.post(VERIFY, body, bent(sign_call("POST", VERIFY, body))[name])
        assert (status, answer) == (401, {"error": "invalid_signature"}), name


# --- (b) a call signed for one endpoint, sent to another ----------------------------------------------------------


def test_a_body_signed_for_verify_is_refused_by_the_claim_sync(bridge):
    body = json.dumps({"user_id": "victim-user", "payer_accounts": [], "request_id": uuid.uuid4().hex}).encode()
    status, answer = bridge.post(SYNC, body, sign_call("POST", VERIFY, body))
    assert (status, answer) == (401, {"error": "invalid_signature"})


def test_a_body_signed_for_the_claim_sync_is_accepted_there(bridge):
    # the counterpart: the same body, signed for the endpoint it is sent to, is answered
    body = json.dumps(
        {"user_id": "nobody-" + uuid.uuid4().hex[:8], "payer_accounts": [], "request_id": uuid.uuid4().hex}
    ).encode()
    status, answer = bridge.post(SYNC, body, sign_call("POST", SYNC, body))
    assert (status, answer) == (200, {"released": []})


# --- a bridge mounted under a base path ------------------------------------------------------------------------


def test_under_a_base_path_the_bridge_checks_the_path_it_routes(tmp_path):
    # bridgeUrl http://host/bridge: Keycloak posts to /bridge/v1/... and signs /v1/... (BridgeClientTest), the path
    # the bridge routes once mounted there (here by gunicorn's SCRIPT_NAME; a proxy that strips the prefix is the same)
    service, bridge = start_bridge(tmp_path, script_name="/bridge")
    try:
        body = verify_body()
        status, answer = bridge.post(VERIFY, body, sign_call("POST", VERIFY, body))
        assert status == 200 and answer["ok"] is True, answer
        body = verify_body()
        assert bridge.post(VERIFY, body, sign_call("POST", "/bridge" + VERIFY, body)) == (
            401,
            {"error": "invalid_signature"},
        )
    finally:
        service.stop()


# --- (c) a header that is not ASCII ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    [b"\xb2", b"\xc2\xb2", "١٧".encode(), "１７".encode()],
    ids=["superscript two (Latin-1)", "superscript two (UTF-8)", "Arabic-Indic digits", "full-width digits"],
)
def test_a_timestamp_of_non_ascii_digits_is_401_not_500(bridge, timestamp):
    status, answer = bridge.post(VERIFY, verify_body(), b"t=" + timestamp + b",v1=" + b"0" * 64)
    assert (status, answer) == (401, {"error": "invalid_signature"})


# --- the header fuzzed: raw bytes, no 5xx ---------------------------------------------------------------------


def fuzzed_headers(n: int, valid) -> list[bytes]:
    """n adversarial X-Signature values: mutations of a valid header, hostile numbers, empty and duplicate parts,
    non-ASCII and non-UTF-8 bytes, control characters, very long values. Seeded: the same list every run."""
    rng = random.Random(20261203)
    atoms = [
        b"t",
        b"v1",
        b"v2",
        b"v0",
        b"T",
        b"V2",
        b"=",
        b",",
        b";",
        b" ",
        b"\t",
        b"",
        b"0",
        b"9" * 40,
        b"-1",
        b"+5",
        b"1e9",
        b"0x10",
        b"\xb2",
        b"\xc2\xb2",
        "١".encode(),
        "１".encode(),
        b"\xff\xfe",
        b"\x80",
        b"\x00",
        b"\x01",
        b"\x7f",
        b"\x1b[31m",
        b"%00",
        b"\\",
        b'"',
        b"deadbeef",
        b"a" * 64,
        b"A" * 64,
        b"g" * 64,
        "ž".encode(),
        "ž".encode("cp1250"),
        b"\xed\xa0\x80",
    ]
    out: list[bytes] = []
    while len(out) < n:
        kind = rng.randrange(6)
        good = valid().encode()
        if kind == 0:  # a valid header, bent at one place
            i = rng.randrange(len(good) + 1)
            j = min(len(good), i + rng.randrange(4))
            out.append(good[:i] + rng.choice(atoms) + good[j:])
        elif kind == 1:  # a valid header with parts added, dropped, repeated or swapped
            parts = good.split(b",")
            op = rng.randrange(4)
            if op == 0:
                parts.insert(rng.randrange(len(parts) + 1), rng.choice(atoms) + b"=" + rng.choice(atoms))
            elif op == 1:
                parts.pop(rng.randrange(len(parts)))
            elif op == 2:
                parts.append(rng.choice(parts))
            else:
                parts.reverse()
            out.append(b",".join(parts))
        elif kind == 2:  # hostile timestamps with a well-formed signature
            t = rng.choice(
                [
                    b"9" * rng.randrange(13, 400),
                    b"0" * 12,
                    b"",
                    b"-0",
                    b"1" * 12 + b".5",
                    str(rng.randrange(10**30)).encode(),
                    b"\xb2",
                    "１７３".encode(),
                    b"1\x00",
                ]
            )
            out.append(b"t=" + t + b",v2=" + good.split(b"=")[-1])
        elif kind == 3:  # parts glued from atoms
            out.append(
                b",".join(
                    rng.choice(atoms) + rng.choice([b"=", b""]) + rng.choice(atoms) for _ in range(rng.randrange(0, 8))
                )
            )
        elif kind == 4:  # random bytes, anything but CR and LF (which would end the header line)
            out.append(
                bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randrange(1, 120)))
            )
        else:  # very long: a valid header padded, or many parts
            out.append(
                rng.choice(
                    [
                        good + b"," + b"v2=" + b"a" * rng.randrange(1000, 7000),
                        b",".join([good] * rng.randrange(2, 80)),
                        b"t=" + b"1" * rng.randrange(100, 7000) + b",v2=" + b"0" * 64,
                    ]
                )
            )
    return out


def has_control_characters(value: bytes) -> bool:
    return any(b < 32 and b != 9 or b == 127 for b in value)


def test_no_malformed_signature_header_gets_a_5xx_or_through(bridge):
    def valid() -> str:
        return sign_call("POST", VERIFY, b"{}")

    statuses: Counter = Counter()
    passed, server_errors = [], []
    headers = fuzzed_headers(FUZZED_HEADERS, valid)
    for value in headers:
        # each header carries at best the valid signature of another body (b"{}"): none may verify this one's
        status, answer = bridge.post(VERIFY, verify_body(), value)
        statuses[status] += 1
        if status >= 500:
            server_errors.append(value)
        elif status == 401 and answer == {"error": "invalid_signature"}:
            continue
        elif not (status == 400 and has_control_characters(value) and "Invalid HTTP Header" in str(answer)):
            passed.append((value, status, answer))  # else: gunicorn's parser refused it before the bridge saw it
    record("malformed X-Signature headers answered 5xx (fuzzed, gunicorn)", f"{len(server_errors)} of {FUZZED_HEADERS}")
    record(
        "malformed X-Signature headers: answers",
        f"401 by the bridge {statuses[401]}, 400 by gunicorn's parser (control characters) {statuses[400]}",
    )
    assert server_errors == [], f"{len(server_errors)} of {FUZZED_HEADERS} got 5xx, e.g. {server_errors[:5]}"
    assert passed == [], f"{len(passed)} got past the signature check or another answer, e.g. {passed[:5]}"
    # most of them reached the bridge: the fuzzing tests the bridge, not gunicorn's parser
    assert statuses[401] == sum(not has_control_characters(h) for h in headers) >= FUZZED_HEADERS * 0.6
