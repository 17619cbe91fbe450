"""The scaled-out stack on loopback (`make cluster`, tests/integration/test_cluster.py): one PostgreSQL, two
Keycloak nodes in production mode forming one Infinispan cluster, two bridge replicas, HAProxy in front of each pair.

Every setting is in ClusterSettings (and the ports in ClusterPorts); the nodes are devstack Stacks' Keycloaks, each
with its own home, ports and cluster transport port, and the same options otherwise (node_settings). Keycloak is
built once (`kc.sh build`, with our provider): the second node's home starts from the first one's kept build.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .layout import REALM, ROOT, VAR, Ports, free_ports
from .postgres import SUPERUSER, PostgresCluster
from .services import Service, ServiceFailed, http_ok, port_in_use
from .stack import ADMIN_PASSWORD, ADMIN_USER, KeycloakDatabase, Stack, StackSettings

HAPROXY = Path("/usr/sbin/haproxy")  # Debian's haproxy package (the Makefile installs it)
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy" / "esoseska-cluster.cfg"
# the embedded Infinispan cluster; jdbc-ping (Keycloak 26's default stack, named here so that a change of default
# does not change the cluster) finds the other nodes through the database. In 26.7 both are options of `start`, not
# of `kc.sh build` (the build ignores them): the nodes run the production build of devstack's single-node stack.
CLUSTER_CACHE_OPTIONS = ("--cache=ispn", "--cache-stack=jdbc-ping")
FD_SOCK2_OFFSET = 50000  # JGroups' failure detection listens on the transport port + this
NODES = ("node-a", "node-b")  # the server names in HAPROXY_CONFIG
REPLICAS = ("replica-a", "replica-b")


@dataclass(frozen=True)
class ClusterPorts:
    keycloak: int  # the load balancer: Keycloak's public address
    bridge: int  # the load balancer: the bridge's address for Keycloak
    postgres: int
    smtp: int
    mail_web: int
    bridge_admin: int
    bridge_admin_metrics: int
    portal: int  # not started; realm-export.json names its address
    desk: int  # not started; realm-export.json names its address
    desk_metrics: int
    # per node (NODES) and per replica (REPLICAS)
    node_http: tuple[int, ...]
    node_management: tuple[int, ...]
    node_transport: tuple[int, ...]  # JGroups; its failure detection (FD_SOCK2) listens on this port + 50000
    replica: tuple[int, ...]
    replica_metrics: tuple[int, ...]

    @classmethod
    def dev(cls) -> ClusterPorts:
        """Fixed ports for `make cluster`, apart from those of `make run` (both can run at once)."""
        return cls(
            keycloak=8280,
            bridge=8290,
            postgres=55432,
            smtp=1125,
            mail_web=8125,
            bridge_admin=8293,
            bridge_admin_metrics=9293,
            portal=5100,
            desk=8294,
            desk_metrics=9294,
            node_http=(8281, 8282),
            node_management=(9281, 9282),
            node_transport=(7880, 7881),
            replica=(8291, 8292),
            replica_metrics=(9291, 9292),
        )

    @classmethod
    def free(cls) -> ClusterPorts:
        single = [f.name for f in dataclasses.fields(cls) if f.type == "int"]
        per_node = [f.name for f in dataclasses.fields(cls) if f.type != "int"]
        ports = iter(free_ports(len(single) + 2 * len(per_node)))
        chosen = {name: next(ports) for name in single} | {name: (next(ports), next(ports)) for name in per_node}
        return cls(**{**chosen, "node_transport": transport_ports(2)})

    def all(self) -> list[int]:
        found = []
        for value in dataclasses.astuple(self):
            found += list(value) if isinstance(value, tuple) else [value]
        return found


def transport_ports(count: int) -> tuple[int, ...]:
    """Free JGroups ports whose FD_SOCK2 port (+ 50000) is free too: a free port of the system's ephemeral range has
    none (past 65535), and without FD_SOCK2 a killed node is noticed only by FD_ALL3's timeout (tens of seconds)."""
    found: list[int] = []
    for port in random.sample(range(10000, 15000), 5000):
        if all(_bindable(p) for p in (port, port + FD_SOCK2_OFFSET)):
            found.append(port)
            if len(found) == count:
                return tuple(found)
    raise RuntimeError("no free JGroups ports between 10000 and 15000")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@dataclass(frozen=True)
class ClusterSettings:
    ports: ClusterPorts
    var_dir: Path  # all state: PostgreSQL, one folder per node, logs
    fresh: bool = False  # start from empty data (tests) instead of keeping it (make cluster)
    bridge_env: dict[str, str] = field(default_factory=dict)

    @property
    def keycloak_url(self) -> str:
        return f"http://localhost:{self.ports.keycloak}"

    @property
    def logs(self) -> Path:
        return self.var_dir / "logs"

    def front_settings(self, database: PostgresCluster) -> StackSettings:
        """What the bridge replicas, the admin API and the mail catcher are started with (replica-a's ports)."""
        p = self.ports
        return StackSettings(
            ports=Ports(
                keycloak=p.keycloak,
                keycloak_management=p.node_management[0],
                bridge=p.replica[0],
                smtp=p.smtp,
                mail_web=p.mail_web,
                portal=p.portal,
                bridge_admin=p.bridge_admin,
                bridge_metrics=p.replica_metrics[0],
                bridge_admin_metrics=p.bridge_admin_metrics,
                desk=p.desk,
                desk_metrics=p.desk_metrics,
            ),
            var_dir=self.var_dir,
            bridge_env=self.bridge_env,
            bridge_database_url=database.url("bridge"),
        )

    def node_settings(self, index: int, database: PostgresCluster) -> StackSettings:
        """Node `index` of NODES: the same Keycloak as the others but for its own ports and folder."""
        p, front = self.ports, self.front_settings(database)
        return dataclasses.replace(
            front,
            ports=dataclasses.replace(
                front.ports,
                keycloak=p.node_http[index],
                keycloak_management=p.node_management[index],
                bridge=p.bridge,  # Keycloak calls the bridge through the load balancer
            ),
            var_dir=self.var_dir / NODES[index],
            fresh=self.fresh,
            # the cluster's superuser: its password is kept with the cluster, so a kept cluster starts again
            keycloak_database=KeycloakDatabase(database.jdbc_url("keycloak"), SUPERUSER, database.password),
            keycloak_start_options=(
                *CLUSTER_CACHE_OPTIONS,
                "--cache-embedded-network-bind-address=127.0.0.1",
                f"--cache-embedded-network-bind-port={p.node_transport[index]}",
            ),
            keycloak_public_url=self.keycloak_url,
        )

    def load_balancer_environment(self) -> dict[str, str]:
        """The addresses HAPROXY_CONFIG reads."""
        p = self.ports
        return {
            "ESOSESKA_LB_KEYCLOAK_BIND": f"127.0.0.1:{p.keycloak}",
            "ESOSESKA_LB_BRIDGE_BIND": f"127.0.0.1:{p.bridge}",
            "ESOSESKA_LB_NODE_A": f"127.0.0.1:{p.node_http[0]}",
            "ESOSESKA_LB_NODE_B": f"127.0.0.1:{p.node_http[1]}",
            "ESOSESKA_LB_NODE_A_HEALTH_PORT": str(p.node_management[0]),
            "ESOSESKA_LB_NODE_B_HEALTH_PORT": str(p.node_management[1]),
            "ESOSESKA_LB_REPLICA_A": f"127.0.0.1:{p.replica[0]}",
            "ESOSESKA_LB_REPLICA_B": f"127.0.0.1:{p.replica[1]}",
        }


def load_balancer(settings: ClusterSettings) -> Service:
    """HAProxy in the foreground (-db) with HAPROXY_CONFIG; ready when it answers for the Keycloak realm."""
    if not HAPROXY.exists():
        raise SystemExit(f"HAProxy is not installed ({HAPROXY}); run `make cluster`, which installs it")
    return Service(
        "load balancer",
        [HAPROXY, "-db", "-f", HAPROXY_CONFIG],
        env=settings.load_balancer_environment(),
        cwd=ROOT,
        log_path=settings.logs / "haproxy.log",
        ready=http_ok(f"http://127.0.0.1:{settings.ports.keycloak}/realms/{REALM}/.well-known/openid-configuration"),
        ready_timeout=60,
    )


class Cluster:
    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.postgres = PostgresCluster(
            settings.var_dir / "postgres", settings.ports.postgres, log_path=settings.logs / "postgres.log"
        )
        self.load_balancer = load_balancer(settings)
        # made in start(), once the database (and its password) is there
        self.front: Stack | None = None
        self.nodes: dict[str, Stack] = {}
        self.replicas: dict[str, Service] = {}

    @property
    def keycloak_nodes(self) -> dict[str, Service]:
        return {name: node.keycloak for name, node in self.nodes.items()}

    @property
    def services(self) -> tuple[Service, ...]:
        assert self.front is not None
        return (
            self.front.mail,
            *self.replicas.values(),
            self.front.bridge_admin,
            *self.keycloak_nodes.values(),
            self.load_balancer,
        )

    def start(self) -> Cluster:
        s = self.settings
        busy = [port for port in s.ports.all() if port_in_use(port)]
        if busy:
            raise ServiceFailed(f"port(s) {', '.join(map(str, busy))} already in use: is another cluster running?")
        if s.fresh and s.var_dir.exists():
            shutil.rmtree(s.var_dir)
        s.var_dir.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        self._create_databases()
        self.front = Stack(s.front_settings(self.postgres))
        self.replicas = {
            name: self.front.bridge_service("callbacks", s.ports.replica[i], s.ports.replica_metrics[i], replica=name)
            for i, name in enumerate(REPLICAS)
        }
        for i, name in enumerate(NODES):  # one after the other: the first builds, the next start from its build
            node = Stack(s.node_settings(i, self.postgres))
            node.prepare()
            self.nodes[name] = node
        for service in self.keycloak_nodes.values():  # the boot of each takes Keycloak's database lock in turn
            service.start()
        self.front.seed_demo_data()
        for service in self.services:
            if not service.running:
                service.start()
        for service in self.services:
            service.wait_ready()
        self.front.set_up_staff_permissions()
        return self

    def _create_databases(self) -> None:
        import psycopg

        with psycopg.connect(self.postgres.url(driver="postgresql")) as connection:
            existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for name in ("keycloak", "bridge"):
            if name not in existing:
                self.postgres.create_database(name)

    def stop(self) -> None:
        if self.front is not None:
            services = tuple(reversed(self.services))
            for service in services:
                service.terminate()
            for service in services:
                service.stop()
        self.postgres.stop()


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run() -> int:
    """`python -m devstack cluster` (make cluster): the cluster in the foreground until Ctrl-C; its data is kept."""
    settings = ClusterSettings(ports=ClusterPorts.dev(), var_dir=VAR / "cluster")
    cluster = Cluster(settings)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        print("starting PostgreSQL, two Keycloak nodes, two bridge replicas and HAProxy (minutes) ...", flush=True)
        cluster.start()
        p = settings.ports
        nodes = "\n".join(
            f"  Keycloak {name:<14} http://127.0.0.1:{p.node_http[i]}   management :{p.node_management[i]}   "
            f"cluster transport :{p.node_transport[i]}   log {cluster.nodes[name].keycloak.log_path}"
            for i, name in enumerate(NODES)
        )
        replicas = "\n".join(
            f"  Bridge {name:<16} http://127.0.0.1:{p.replica[i]}   metrics :{p.replica_metrics[i]}"
            for i, name in enumerate(REPLICAS)
        )
        print(
            f"""
eSoseska cluster is up (Ctrl-C stops all of it):

  Register / log in       {settings.keycloak_url}/realms/{REALM}/account   (HAProxy, sticky on AUTH_SESSION_ID;
                          the answer's X-Esoseska-Node header names the node)
  Keycloak admin console  {settings.keycloak_url}/admin/   ({ADMIN_USER} / {ADMIN_PASSWORD}, dev only)
  Bridge for Keycloak     http://127.0.0.1:{p.bridge}/healthz   (HAProxy; X-Esoseska-Replica names the replica)
{nodes}
{replicas}
  PostgreSQL              127.0.0.1:{p.postgres}   (databases keycloak, bridge)
  Mail catcher            http://localhost:{p.mail_web}

Data and logs: {settings.var_dir}
""",
            flush=True,
        )
        # a node or replica that stops is reported, and the others go on (that is what the cluster is for)
        reported: set[str] = set()
        while any(service.running for service in cluster.services):
            for service in cluster.services:
                if not service.running and service.name not in reported:
                    reported.add(service.name)
                    print(
                        f"{service.name} stopped; last lines of {service.log_path}:",
                        service.log_tail(),
                        file=sys.stderr,
                    )
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except ServiceFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        cluster.stop()
