"""GET /v1/managers (the form's drop-down) and GET /healthz (what the orchestrator watches)."""

from __future__ import annotations

import shutil

import pytest

from .support import add_manager


def test_managers_are_listed_by_name_with_id_and_name(app, client):
    add_manager(app, "staninvest", "Staninvest d.o.o.")
    add_manager(app, "zz-upravnik", "Agencija Dom d.o.o.")
    add_manager(app, "domovanje", "Domovanje d.o.o.")
    response = client.get("/v1/managers")
    assert response.status_code == 200
    assert response.get_json() == {
        "managers": [
            {"id": "zz-upravnik", "name": "Agencija Dom d.o.o."},
            {"id": "domovanje", "name": "Domovanje d.o.o."},
            {"id": "staninvest", "name": "Staninvest d.o.o."},
        ]
    }


def test_renamed_manager_is_listed_once_with_its_new_name(app, client):
    add_manager(app, "staninvest", "Staninvest d.o.o.")
    add_manager(app, "staninvest", "Staninvest upravljanje d.o.o.")
    assert client.get("/v1/managers").get_json() == {
        "managers": [{"id": "staninvest", "name": "Staninvest upravljanje d.o.o."}]
    }


def test_no_managers_is_an_empty_list(client):
    assert client.get("/v1/managers").get_json() == {"managers": []}


def test_health_is_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    from registration_bridge import create_app

    from .support import make_settings

    data_dir = tmp_path / "data"
    app = create_app(make_settings(f"sqlite:///{data_dir}/bridge.sqlite3"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200

    # The volume disappears under the running bridge, and a plain file now sits where its directory was:
    # SQLite can neither open nor create the database any more, whoever the test runs as.
    app.extensions["bridge.engine"].dispose()
    shutil.rmtree(data_dir)
    data_dir.write_text("not a directory")

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    app.extensions["bridge.engine"].dispose()


def test_unknown_path_is_a_json_404(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_each_process_serves_only_its_own_routes(settings):
    """The callbacks (Keycloak's port) have no admin API; the admin API has no callbacks; neither has /metrics."""
    from registration_bridge import create_app

    callbacks, admin = (create_app(settings, role=role).test_client() for role in ("callbacks", "admin"))
    for client in (callbacks, admin):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 404
    assert callbacks.post("/v1/managers/staninvest/payers", data=b"x", content_type="text/csv").status_code == 404
    assert callbacks.get("/v1/managers/staninvest/claims").status_code == 404
    assert admin.post("/v1/registrations/verify", json={}).status_code == 404
    assert admin.get("/v1/managers").status_code == 404
    assert callbacks.post("/v1/registrations/verify", json={}).status_code == 401  # there, and signed


def test_the_role_and_the_metrics_address_are_checked_settings():
    from registration_bridge.settings import Settings, SettingsError

    assert Settings.from_env({}).role == "callbacks"
    assert Settings.from_env({}).metrics_address == ("127.0.0.1", 9100)
    assert Settings.from_env({"BRIDGE_ROLE": "admin"}).metrics_address == ("127.0.0.1", 9101)
    assert Settings.from_env({"BRIDGE_METRICS_BIND": "0.0.0.0:9200"}).metrics_address == ("0.0.0.0", 9200)
    with pytest.raises(SettingsError, match="BRIDGE_ROLE"):
        Settings.from_env({"BRIDGE_ROLE": "both"})
    with pytest.raises(SettingsError, match="BRIDGE_METRICS_BIND"):
        Settings.from_env({"BRIDGE_METRICS_BIND": "9100"})
