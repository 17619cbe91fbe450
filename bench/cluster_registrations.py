"""Benchmark: registrations per second through the 2-node cluster vs one node, at concurrency 4 and 16.

Starts the cluster of `make cluster` (devstack/cluster.py: PostgreSQL, two Keycloak nodes in production mode, two
bridge replicas, HAProxy) once, on free loopback ports under var/bench/cluster, adds the bench manager with its
organization and imports its generated payers, then registers residents as bench/registration_load.py does (what a
browser sends, with PKCE; only "check your e-mail" counts as a registration, anything else is an error).

"2 nodes" is through HAProxy (the cluster's public address) with both nodes up. "1 node" is through the same
HAProxy with node B stopped, so that only node A serves: the same path (load balancer, both bridge replicas, the
one PostgreSQL) and the same public address the nodes put into their pages and redirects, with one node fewer; not
straight to node A's own port, whose pages would send the form's post to the load balancer anyway.

The order is 2 nodes, 1 node, 1 node, 2 nodes (node B stopped once and started again once), each time at
concurrency 4 then 16, each round a warm-up and then BENCH_CLUSTER_REGISTRATIONS (default 80) registrations; so
each figure is of two rounds, and drift of the machine falls on both sides alike. Reports registrations per second
(completed registrations over the rounds' wall time), median and p95 latency of one whole registration, and errors;
writes var/bench/cluster.json.

There is no target: on a 2-core machine both nodes share the same two cores (with PostgreSQL, the replicas and
this client), so the 2-node figure is about correctness and the cluster's overhead (Infinispan's replication of
authentication sessions and caches between the nodes), not about more CPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registration_load import FAILURES, MANAGER, Payers, register_at, summarize  # noqa: E402
from devstack.cluster import NODES, Cluster, ClusterPorts, ClusterSettings  # noqa: E402
from devstack.layout import REALM, VAR, VENV_BIN  # noqa: E402

OUT = VAR / "bench"
CONCURRENCIES = (4, 16)
PER_ROUND = int(os.environ.get("BENCH_CLUSTER_REGISTRATIONS", "80"))
WARM_UP_PER_WORKER = 3  # registrations per worker before each measured round (after a node stopped or started too)
ORDER = (2, 1, 1, 2)  # nodes serving, round after round


def bridge_cli(cluster: Cluster, *args: str) -> None:
    assert cluster.front is not None
    subprocess.run(
        [str(VENV_BIN / "registration-bridge"), *args],
        env={**os.environ, **cluster.front.settings.bridge_environment()},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def served_by(cluster: Cluster, nodes: set[str], timeout: float = 180, steady: int = 12) -> None:
    """Until the load balancer has answered `steady` times on end, each time from one of `nodes` (and, with both
    nodes, from each of them at least once)."""
    url = f"{cluster.settings.keycloak_url}/realms/{REALM}/.well-known/openid-configuration"
    deadline = time.monotonic() + timeout
    seen: list[str | None] = []
    while time.monotonic() < deadline:
        try:
            answer = requests.get(url, timeout=5)
            node = answer.headers.get("X-Esoseska-Node") if answer.status_code == 200 else None
        except requests.RequestException:
            node = None
        seen = [*seen, node][-steady:]
        if len(seen) == steady and set(seen) <= nodes and (len(nodes) == 1 or set(seen) == nodes):
            return
        time.sleep(0.5)
    raise RuntimeError(f"the load balancer was not served by {sorted(nodes)} in {timeout} s (last: {seen})")


def run_round(cluster: Cluster, payers: Payers, concurrency: int, count: int) -> dict:
    assert cluster.front is not None
    keycloak_url, portal_url = cluster.settings.keycloak_url, cluster.front.settings.portal_url
    work = [payers.take() for _ in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda payer: register_at(keycloak_url, portal_url, payer), work))
    return {
        "latencies": [s for s, ok in results if ok],
        "page_s": [],
        "post_s": [],
        "errors": sum(not ok for _, ok in results),
        "wall": time.perf_counter() - started,
        "count": count,
        "bridge_cpu_s": 0.0,
        "keycloak_cpu_s": 0.0,
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    per_pass = sum(PER_ROUND + WARM_UP_PER_WORKER * c for c in CONCURRENCIES)
    payers = Payers(len(ORDER) * per_pass)
    csv_path = OUT / "cluster-payers.csv"
    payers.write_csv(csv_path)
    cluster = Cluster(ClusterSettings(ports=ClusterPorts.free(), var_dir=OUT / "cluster", fresh=True))
    measured: dict[tuple[int, int], list[dict]] = {(n, c): [] for n in (1, 2) for c in CONCURRENCIES}
    started = time.monotonic()
    try:
        cluster.start()
        print(f"cluster started in {time.monotonic() - started:.0f} s", flush=True)
        # with its organization: the payer check refuses a manager without one before it asks the bridge
        bridge_cli(cluster, "add-manager", MANAGER, "--name", "Benchmark d.o.o.")
        bridge_cli(cluster, "import-payers", "--manager", MANAGER, str(csv_path))
        node_b = cluster.keycloak_nodes[NODES[1]]
        for nodes in ORDER:
            if nodes == 1 and node_b.running:
                node_b.stop()
                served_by(cluster, {NODES[0]})
            elif nodes == 2 and not node_b.running:
                node_b.start().wait_ready()
                served_by(cluster, set(NODES))
            for concurrency in CONCURRENCIES:
                run_round(cluster, payers, concurrency, WARM_UP_PER_WORKER * concurrency)
                result = run_round(cluster, payers, concurrency, PER_ROUND)
                measured[(nodes, concurrency)].append(result)
                print(
                    f"{nodes} node(s), concurrency {concurrency}: {PER_ROUND - result['errors']} registrations in "
                    f"{result['wall']:.1f} s, {result['errors']} errors",
                    flush=True,
                )
    finally:
        cluster.stop()
        for failure in FAILURES[:3]:
            print("failed registration:", failure, file=sys.stderr)
    rows = []
    for concurrency in CONCURRENCIES:
        one, two = ({k: v for k, v in summarize(measured[(n, concurrency)]).items() if "cpu" not in k} for n in (1, 2))
        rows.append(
            {
                "concurrency": concurrency,
                "one_node": one,
                "two_nodes": two,
                "throughput_ratio": round(two["per_second"] / one["per_second"], 3) if one["per_second"] else None,
            }
        )
    print(
        f"registrations through HAProxy: 2 Keycloak nodes vs 1 (node B stopped), {PER_ROUND} per round, "
        f"{ORDER.count(1)} rounds each"
    )
    print(f"{'concurrency':>11} | {'nodes':>5} | {'regs/s':>7} | {'median ms':>9} | {'p95 ms':>8} | {'errors':>6}")
    for row in rows:
        for nodes, key in ((1, "one_node"), (2, "two_nodes")):
            r = row[key]
            print(
                f"{row['concurrency']:>11} | {nodes:>5} | {r['per_second']:>7} | {r['median_ms']:>9} | "
                f"{r['p95_ms']:>8} | {r['errors']:>6}"
            )
        print(f"concurrency {row['concurrency']}: 2 nodes / 1 node throughput {row['throughput_ratio']}")
    (OUT / "cluster.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
