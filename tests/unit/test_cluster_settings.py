"""devstack/cluster.py: the two Keycloak nodes are one Keycloak (every option the same but their own ports and
folder), the load balancer's config is valid with the addresses the cluster gives it, and JGroups' ports leave
room for its failure detection."""

from __future__ import annotations

import dataclasses
import os
import subprocess

from devstack.cluster import FD_SOCK2_OFFSET, HAPROXY, HAPROXY_CONFIG, NODES, ClusterPorts, ClusterSettings
from devstack.layout import VAR
from devstack.stack import Stack


def test_the_nodes_differ_only_in_their_ports_and_folder(postgres_cluster):
    settings = ClusterSettings(ports=ClusterPorts.free(), var_dir=VAR / "test-cluster-settings")
    a, b = (settings.node_settings(i, postgres_cluster) for i in range(len(NODES)))
    own = {"ports", "var_dir", "keycloak_start_options"}
    assert {f.name for f in dataclasses.fields(a) if getattr(a, f.name) != getattr(b, f.name)} == own
    assert dataclasses.replace(a.ports, keycloak=0, keycloak_management=0) == dataclasses.replace(
        b.ports, keycloak=0, keycloak_management=0
    )
    assert [o for o in a.keycloak_start_options if "bind-port" not in o] == [
        o for o in b.keycloak_start_options if "bind-port" not in o
    ]
    assert {"--cache=ispn", "--cache-stack=jdbc-ping", "--cache-embedded-network-bind-address=127.0.0.1"} <= set(
        a.keycloak_start_options
    )
    # residents and the bridge see one Keycloak: the load balancer's address, also in the hostname of each node
    assert a.keycloak_url == b.keycloak_url == settings.keycloak_url
    for node in (a, b):
        assert f"--hostname={settings.keycloak_url}" in Stack(node)._keycloak_command()
        assert node.keycloak_bridge_options()["KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"].endswith(
            f":{settings.ports.bridge}"
        )


def test_the_load_balancer_config_is_valid_with_the_clusters_addresses():
    env = ClusterSettings(ports=ClusterPorts.free(), var_dir=VAR / "x").load_balancer_environment()
    result = subprocess.run(
        [HAPROXY, "-c", "-f", HAPROXY_CONFIG], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = HAPROXY_CONFIG.read_text()
    assert "retry-on conn-failure" in text  # never a request that reached a server sent again
    assert "stick on req.cook(AUTH_SESSION_ID)" in text


def _directives(name: str) -> list[list[str]]:
    """The arguments of every `name` line of the load balancer's config (comments left out)."""
    lines = [line.split("#", 1)[0].split() for line in HAPROXY_CONFIG.read_text().splitlines()]
    return [words[1:] for words in lines if words and words[0] == name]


def test_the_load_balancer_resends_a_request_only_when_no_server_saw_it():
    """A POST (a registration, a signed callback) must never reach two servers: the only retry condition is a
    connection that could not be made. Every other one of HAProxy's (empty-response, junk-response,
    response-timeout, 0rtt-rejected, status codes, all-retryable-errors) resends a request a server took."""
    assert _directives("retry-on") == [["conn-failure"]]
    assert _directives("retries") == [["2"]]
    # redispatch: a retry (of a connection failure) may go to the other server; nothing more
    assert _directives("option").count(["redispatch", "1"]) == 1


def test_the_transport_ports_leave_room_for_failure_detection():
    for ports in (ClusterPorts.free(), ClusterPorts.dev()):
        assert all(port + FD_SOCK2_OFFSET <= 65535 for port in ports.node_transport)
        assert len(set(ports.all())) == len(ports.all())
