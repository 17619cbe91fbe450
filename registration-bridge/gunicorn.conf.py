"""gunicorn settings of the bridge: one file for the local run (devstack) and the container (Dockerfile).

Only the listen address differs between the two, so it stays on their command lines (`--bind`).
"""
import os
import tempfile
from pathlib import Path

wsgi_app = "registration_bridge:create_app()"
workers = 2
accesslog = "-"
# gunicorn's default line, plus how long the answer took (µs) and the correlation id Keycloak sent with the call
access_log_format = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
                     'duration_us=%(D)s correlation_id=%({x-correlation-id}i)s')
# no `gunicornc` control socket: every gunicorn of a user would share $HOME/.gunicorn/gunicorn.ctl (the local run
# and the test suite start several at once), and the container's user has no home directory
control_socket_disable = True


def on_starting(server):
    """Prometheus (registration_bridge/metrics.py): every worker writes its counts to one folder and /metrics adds
    them up, so a scrape sees the service, not whichever worker answered. Set here, in the master, before any
    worker imports the app."""
    metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bridge-metrics-")))
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # counts of an earlier run in the same folder are not this run's
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
