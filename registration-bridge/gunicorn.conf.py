"""gunicorn settings of the bridge: one file for the local run (devstack) and the container (Dockerfile).

Only the listen address differs between the two, so it stays on their command lines (`--bind`).
"""
wsgi_app = "registration_bridge:create_app()"
workers = 2
accesslog = "-"
# no `gunicornc` control socket: every gunicorn of a user would share $HOME/.gunicorn/gunicorn.ctl (the local run
# and the test suite start several at once), and the container's user has no home directory
control_socket_disable = True
