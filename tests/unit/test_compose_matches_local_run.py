"""The production stack (docker-compose.yml) runs what the local run (`make run`, devstack/) runs: the same realm
file and its placeholders, the same provider JAR, the same bridge settings and gunicorn settings, the pinned
Keycloak version."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from registration_bridge.settings import Settings, SettingsError

from devstack.layout import BRIDGE_GUNICORN_CONF, POM, PROVIDER_JAR, REALM, REALM_FILE, ROOT, Ports, keycloak_version
from devstack.realm_placeholders import realm_placeholders
from devstack.stack import CAPTCHA_KEY_VAULT_KEY, Stack, StackSettings

from .compose import compose_config, read_env_file, write_env_file
from .dockerfiles import exec_form, instructions

KEYCLOAK_DOCKERFILE = ROOT / "keycloak-theme" / "Dockerfile"
BRIDGE_DOCKERFILE = ROOT / "registration-bridge" / "Dockerfile"
SED_KEYCLOAK_VERSION = re.compile(r"sed -n '(s:[^']*keycloak\.version[^']*)'")


def services() -> dict:
    return compose_config()["services"]


def local_stack(tmp_path: Path) -> Stack:
    return Stack(StackSettings(ports=Ports.dev(), var_dir=tmp_path))  # builds the commands, starts nothing


# --- Keycloak ---------------------------------------------------------------------------------------------
def test_keycloak_gets_every_placeholder_of_the_realm_file():
    placeholders = set(realm_placeholders())
    assert {"SMTP_HOST", "KEYCLOAK_PUBLIC_URL"} <= placeholders
    assert placeholders - set(services()["keycloak"]["environment"]) == set()


def test_the_local_run_gives_keycloak_only_names_of_the_realm_file_or_keycloak_options(tmp_path):
    names = set(local_stack(tmp_path).keycloak.env)
    assert {name for name in names if not name.startswith("KC_")} <= set(realm_placeholders())


def test_keycloak_and_the_bridge_share_the_callback_and_client_secrets():
    s = services()
    assert (
        s["keycloak"]["environment"]["BRIDGE_KEYCLOAK_CLIENT_SECRET"]
        == s["bridge"]["environment"]["BRIDGE_KEYCLOAK_CLIENT_SECRET"]
    )
    # the callback secret reaches Keycloak as its vault file, made from the bridge's variable
    [secret] = [secret for secret in s["keycloak"]["secrets"] if secret["source"] == "bridge-callback-secret"]
    assert compose_config()["secrets"][secret["source"]]["environment"] == "BRIDGE_CALLBACK_SECRET"
    assert "BRIDGE_CALLBACK_SECRET" in s["bridge"]["environment"]
    assert s["keycloak"]["environment"]["KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"] == "http://bridge:8000"
    assert s["bridge"]["environment"]["KEYCLOAK_URL"] == "http://keycloak:8080"


def test_keycloak_gets_the_same_bridge_options_and_vault_in_both_runs(tmp_path):
    stack = local_stack(tmp_path)
    local, compose = stack.keycloak.env, services()["keycloak"]["environment"]
    bridge_options = {name for name in local if name.startswith("KC_SPI_ESOSESKA_BRIDGE__")}
    assert bridge_options == {"KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"}
    assert bridge_options <= set(compose)
    assert local["KC_VAULT"] == "file" and "--vault=file" in " ".join(
        arguments for _, arguments in instructions(KEYCLOAK_DOCKERFILE)
    )
    assert Path(local["KC_VAULT_DIR"]) == stack.settings.keycloak_vault
    targets = {secret["source"]: secret["target"] for secret in services()["keycloak"]["secrets"]}
    secret_file = stack.write_vault_secret("s" * 40)
    assert secret_file.parent == stack.settings.keycloak_vault and secret_file.name == targets["bridge-callback-secret"]
    assert secret_file.read_text() == "s" * 40 and secret_file.stat().st_mode & 0o077 == 0
    key_file = stack.write_vault_secret("k" * 40, CAPTCHA_KEY_VAULT_KEY)
    assert key_file.parent == stack.settings.keycloak_vault and key_file.name == targets["captcha-hmac-key"]
    assert key_file.stat().st_mode & 0o077 == 0


def test_keycloak_gets_the_captcha_options_in_both_runs(tmp_path):
    local, compose = local_stack(tmp_path).keycloak.env, services()["keycloak"]["environment"]
    captcha_options = {name for name in local if name.startswith("KC_SPI_ESOSESKA_CAPTCHA__")}
    assert captcha_options == {
        f"KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__{option}"
        for option in ("MAX_NUMBER", "ATTACK_MAX_NUMBER", "ATTACK_SECONDS")
    }
    assert captcha_options <= set(compose)
    # the tests solve the challenges in Python and wait for a flood to pass: less work and a shorter flood locally
    for option in captcha_options:
        assert int(local[option]) < int(compose[option]), option


def test_keycloak_imports_the_repositorys_realm_file():
    mounts = {m["target"]: m for m in services()["keycloak"]["volumes"]}
    mount = mounts[f"/opt/keycloak/data/import/{REALM}.json"]
    assert Path(mount["source"]) == REALM_FILE and mount["read_only"]
    assert "--import-realm" in services()["keycloak"]["command"]


def test_keycloak_starts_optimized_behind_a_proxy_that_forwards_the_client_address():
    keycloak = services()["keycloak"]
    assert keycloak["command"][:2] == ["start", "--optimized"]
    assert keycloak["environment"]["KC_PROXY_HEADERS"] == "xforwarded"
    assert keycloak["environment"]["KC_HOSTNAME"] == keycloak["environment"]["KEYCLOAK_PUBLIC_URL"]
    assert keycloak["environment"]["KC_DB_URL"].startswith("jdbc:postgresql://postgres:5432/")


def test_the_keycloak_image_is_built_from_the_maven_module_with_its_jar():
    assert Path(services()["keycloak"]["build"]["context"]) == POM.parent == PROVIDER_JAR.parent.parent
    steps = " ".join(arguments for _, arguments in instructions(KEYCLOAK_DOCKERFILE))
    assert f"cp target/{PROVIDER_JAR.name} /opt/keycloak/providers/" in steps
    assert "kc.sh build --db=postgres --health-enabled=true --metrics-enabled=true" in steps
    assert exec_form(KEYCLOAK_DOCKERFILE, "ENTRYPOINT") == ["/opt/keycloak/bin/check-secrets-then-start.sh"]


def test_the_keycloak_image_takes_the_version_from_the_pom_the_way_the_makefile_does():
    dockerfile = KEYCLOAK_DOCKERFILE.read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    expression = SED_KEYCLOAK_VERSION.search(dockerfile).group(1)
    assert SED_KEYCLOAK_VERSION.search(makefile).group(1) == expression
    read = subprocess.run(["sed", "-n", expression, str(POM)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == keycloak_version()
    assert "org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:tar.gz" in dockerfile
    # no second pin: no Keycloak version number anywhere in the Dockerfile or the compose file
    for text in (dockerfile, (ROOT / "docker-compose.yml").read_text(encoding="utf-8")):
        assert not re.search(r"\b2\d\.\d+\.\d+\b", text)
        assert "quay.io/keycloak" not in text


def test_the_keycloak_image_runs_on_jdk_17_like_the_pom_compiles_for():
    bases = [arguments.split()[0] for name, arguments in instructions(KEYCLOAK_DOCKERFILE) if name == "FROM"]
    assert bases and all(re.search(r"temurin-?17|temurin:17", base) for base in bases)
    assert "<maven.compiler.release>17</maven.compiler.release>" in POM.read_text(encoding="utf-8")


# --- the bridge -------------------------------------------------------------------------------------------
def test_every_name_compose_gives_the_bridge_is_a_bridge_setting():
    environment = services()["bridge"]["environment"]
    assert set(environment) - set(Settings.ENV_NAMES.values()) == set()
    assert environment["BRIDGE_ENV"] == "production"
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://bridge:")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/bridge")
    assert environment["KEYCLOAK_REALM"] == REALM


def test_the_bridge_settings_from_compose_pass_the_production_check(tmp_path):
    strong = {name: secrets.token_hex(32) for name, value in read_env_file().items() if value.startswith("change-me-")}
    env_file = write_env_file(tmp_path / ".env", {**read_env_file(), **strong})
    environment = {
        name: value
        for name, value in compose_config(env_file)["services"]["bridge"]["environment"].items()
        if value is not None
    }
    settings = Settings.from_env(environment)
    assert settings.environment == "production" and settings.smtp_host == "maildev"


def test_the_bridge_refuses_to_start_with_the_example_placeholders():
    environment = {name: value for name, value in services()["bridge"]["environment"].items() if value is not None}
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environment)
    for name in ("BRIDGE_CALLBACK_SECRET", "BRIDGE_BILL_PASSWORD_KEY", "BRIDGE_KEYCLOAK_CLIENT_SECRET"):
        assert name in str(refused.value)


def test_the_bridge_runs_under_gunicorn_with_the_local_runs_settings_file(tmp_path):
    stack = local_stack(tmp_path)
    for service, role in ((stack.bridge, "callbacks"), (stack.bridge_admin, "admin")):  # two gunicorns, one file
        local = service.argv
        assert Path(local[0]).name == "gunicorn"
        assert local[1:3] == ["--config", str(BRIDGE_GUNICORN_CONF)] and local[3] == "--bind" and len(local) == 5
        assert (
            service.env["BRIDGE_ROLE"]
            == role
            == services()[f"bridge{'-admin' * (role == 'admin')}"]["environment"]["BRIDGE_ROLE"]
        )
    container = exec_form(BRIDGE_DOCKERFILE, "CMD")
    assert container == ["gunicorn", "--config", f"/app/{BRIDGE_GUNICORN_CONF.name}", "--bind", "0.0.0.0:8000"]
    assert services()["bridge"].get("command") is None  # the image's CMD, not a second command line
    assert services()["bridge-admin"].get("command") is None
    copies = [arguments for name, arguments in instructions(BRIDGE_DOCKERFILE) if name == "COPY"]
    assert any(BRIDGE_GUNICORN_CONF.name in arguments.split()[:-1] for arguments in copies)
    assert ("WORKDIR", "/app") in instructions(BRIDGE_DOCKERFILE)


def test_the_gunicorn_settings_file_names_the_app_and_the_options(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the file sets it if unset: not in this process
    config: dict = {}
    exec(BRIDGE_GUNICORN_CONF.read_text(encoding="utf-8"), config)
    assert config["wsgi_app"] == "registration_bridge:create_app()"
    assert config["workers"] == 2 and config["accesslog"] == "-"


def test_the_bridge_image_installs_with_the_lock_file_and_the_server_and_postgres_extras():
    assert Path(services()["bridge"]["build"]["context"]) == BRIDGE_DOCKERFILE.parent
    runs = " ".join(arguments for name, arguments in instructions(BRIDGE_DOCKERFILE) if name == "RUN")
    assert "pip install -c requirements.lock '.[server,postgres]'" in runs


# --- the mail catcher -------------------------------------------------------------------------------------
def test_the_mail_catcher_is_the_maildev_version_of_the_local_run():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/maildev"]["version"]
    assert services()["maildev"]["image"] == f"maildev/maildev:{version}"
