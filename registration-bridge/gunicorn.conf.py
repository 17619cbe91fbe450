"""gunicorn settings of the bridge: one file for the local run (devstack) and the container (Dockerfile).

The bridge runs as gunicorns of this file, one per BRIDGE_ROLE (registration_bridge/settings.py): "callbacks"
(what Keycloak calls within its 3-second timeout) and "admin" (the admin API: 200 MB uploads, slow clients), so
that nothing sent to the admin API can hold a worker that a registration waits for; a third, "desk", serves the
manager's desk (the office staff's web pages). Only the listen address
differs between the local run and the container, so it stays on their command lines (`--bind`).
"""

import os
import tempfile
from pathlib import Path

# Prometheus (registration_bridge/metrics.py): every worker writes its counts to one folder and the master's scrape
# endpoint adds them up. Set before anything imports prometheus_client (it picks its value store at import).
Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bridge-metrics-"))).mkdir(
    parents=True, exist_ok=True
)  # the import below already writes there (a gauge without labels)

from registration_bridge.settings import Settings  # noqa: E402  (after the metrics folder is set)

_settings = Settings.from_env()  # a bad setting stops the master at once, before any worker starts

wsgi_app = "registration_bridge:create_app()"
if _settings.role == "desk":
    # the manager's desk (registration_bridge/desk): web pages for office staff, in a gunicorn of its own
    wsgi_app = "registration_bridge.desk:create_desk_app()"
if _settings.role in ("admin", "desk"):
    # uploads take minutes to send and to import: threads, so one slow client holds a thread and not the process,
    # and a worker busy with an import still tells the master it is alive
    worker_class = "gthread"
    workers = 1
    threads = 4
    timeout = 120
    graceful_timeout = 120
else:
    workers = 2
accesslog = "-"
# gunicorn's default line, plus how long the answer took (µs) and the correlation id Keycloak sent with the call
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    "duration_us=%(D)s correlation_id=%({x-correlation-id}i)s"
)
# no `gunicornc` control socket: every gunicorn of a user would share $HOME/.gunicorn/gunicorn.ctl (the local run
# and the test suite start several at once), and the container's user has no home directory
control_socket_disable = True


def on_starting(server):
    metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    for stale in metrics_dir.glob("*.db"):  # counts of an earlier run in the same folder are not this run's
        if not stale.name.endswith(f"_{os.getpid()}.db"):  # this master's own, from the import above
            stale.unlink()


def when_ready(server):
    """The scrape endpoint, in the master: on its own address (BRIDGE_METRICS_BIND), not on the app's port."""
    from registration_bridge import metrics

    metrics.serve(_settings.metrics_address)
    server.log.info("metrics for the scraper on %s:%d", *_settings.metrics_address)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
