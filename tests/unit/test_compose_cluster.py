"""The profile "cluster" of docker-compose.yml has the shape of `make cluster` (devstack/cluster.py): two Keycloak
nodes with one definition, two bridge replicas, and HAProxy with the same config file in front of each pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.cluster import HAPROXY_CONFIG, ClusterPorts, ClusterSettings

from .compose import compose_config, read_env_file, run_compose, write_env_file

CLUSTER_SERVICES = {"keycloak-b", "bridge-b", "lb"}
# what differs between two nodes (or replicas) of one definition: the published ports and the start order
OWN = {"ports", "depends_on", "profiles"}


@pytest.fixture(scope="module")
def cluster_env(tmp_path_factory) -> Path:
    values = {**read_env_file(), "COMPOSE_PROFILES": "mailcatcher,cluster", "KEYCLOAK_BRIDGE_URL": "http://lb:8290"}
    return write_env_file(tmp_path_factory.mktemp("cluster") / ".env", values)


@pytest.fixture(scope="module")
def services(cluster_env) -> dict:
    return compose_config(cluster_env)["services"]


def test_compose_accepts_the_cluster_profile_without_errors_or_warnings(cluster_env):
    result = run_compose(cluster_env, "config", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""


def test_the_cluster_services_run_only_with_the_profile(services):
    assert CLUSTER_SERVICES <= set(services)
    assert not CLUSTER_SERVICES & set(compose_config()["services"])  # the example's profiles: not there
    for name in CLUSTER_SERVICES:
        assert services[name]["profiles"] == ["cluster"]
        assert services[name]["restart"] == "unless-stopped" and services[name]["healthcheck"]["test"], name


def _shared(service: dict) -> dict:
    return {key: value for key, value in service.items() if key not in OWN}


def test_both_keycloak_nodes_are_one_definition(services):
    a, b = services["keycloak"], services["keycloak-b"]
    assert _shared(a) == _shared(b)  # every setting, the build, the command, the secrets, the health check
    assert a["environment"]["KC_CACHE"] == "ispn" and a["environment"]["KC_CACHE_STACK"] == "jdbc-ping"
    assert "ports" not in b  # only through the load balancer
    # node b starts after node a: the first start's realm import and migration run on node a alone
    assert b["depends_on"]["keycloak"]["condition"] == "service_healthy"


def test_both_bridge_replicas_are_one_definition(services):
    a, b = services["bridge"], services["bridge-b"]
    assert _shared(a) == _shared(b)
    assert b["environment"]["BRIDGE_ROLE"] == "callbacks" and b["depends_on"] == a["depends_on"]


def test_the_nodes_call_the_bridge_through_the_load_balancer(services):
    for name in ("keycloak", "keycloak-b"):
        assert services[name]["environment"]["KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"] == "http://lb:8290"
    # without the cluster the bridge service itself, as before
    assert compose_config()["services"]["keycloak"]["environment"]["KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"] == (
        "http://bridge:8000"
    )


def test_the_load_balancer_runs_the_config_file_of_make_cluster(services):
    lb = services["lb"]
    [mount] = lb["volumes"]
    assert Path(mount["source"]) == HAPROXY_CONFIG and mount["read_only"]
    assert mount["target"] == "/usr/local/etc/haproxy/haproxy.cfg"  # where the haproxy image reads its config
    # the names the config reads, all of them, as devstack gives them
    devstack = ClusterSettings(ports=ClusterPorts.dev(), var_dir=Path("/nonexistent")).load_balancer_environment()
    assert set(lb["environment"]) == set(devstack)
    env = lb["environment"]
    assert (env["ESOSESKA_LB_NODE_A"], env["ESOSESKA_LB_NODE_B"]) == ("keycloak:8080", "keycloak-b:8080")
    assert env["ESOSESKA_LB_NODE_A_HEALTH_PORT"] == env["ESOSESKA_LB_NODE_B_HEALTH_PORT"] == "9000"
    assert "127.0.0.1:9000/health/ready" in " ".join(services["keycloak"]["healthcheck"]["test"])
    assert (env["ESOSESKA_LB_REPLICA_A"], env["ESOSESKA_LB_REPLICA_B"]) == ("bridge:8000", "bridge-b:8000")
    assert env["ESOSESKA_LB_BRIDGE_BIND"].endswith(":8290")
    for name in ("keycloak", "keycloak-b", "bridge", "bridge-b"):
        assert lb["depends_on"][name]["condition"] == "service_healthy"


def test_only_the_local_host_reaches_the_load_balancer(services):
    published = [(p["host_ip"], p["published"], p["target"]) for p in services["lb"]["ports"]]
    assert published == [("127.0.0.1", "8088", 8080)]  # Keycloak's nodes; the bridge's 8290 stays inside
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", name
