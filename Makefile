# eSoseska identity layer: `make run` starts the dev stack, `make test` runs every test.
# Everything these need is fetched here (Maven Central, PyPI, npm); nothing is installed by hand.

PYTHON ?= python3
KEYCLOAK_VERSION := $(shell sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' keycloak-theme/pom.xml)
KEYCLOAK_DIST := .cache/keycloak-$(KEYCLOAK_VERSION)
PROVIDER_JAR := keycloak-theme/target/esoseska-keycloak.jar
PROVIDER_SOURCES := $(shell find keycloak-theme/src/main -type f) keycloak-theme/pom.xml
# the ALTCHA widget ("Nisem robot") the theme serves itself, from npm's package (package.json pins it): copied next
# to the Maven module, which puts it into the JAR's theme resources (pom.xml) and into the Docker image's build
ALTCHA_WIDGET := keycloak-theme/vendor/altcha/altcha.min.js
VENV := .venv
MVN := mvn -B -q
# the browser tests drive Debian's Chromium (Playwright's own browser download is not reachable here)
CHROMIUM := /usr/bin/chromium
# the tests start throwaway PostgreSQL clusters (bridge on PostgreSQL, Keycloak in production mode) with Debian's
# server binaries; devstack/postgres.py takes the newest /usr/lib/postgresql/<major>/bin
POSTGRES := /usr/lib/postgresql/15/bin/postgres
# the load balancer of `make cluster` and its test (deploy/haproxy/esoseska-cluster.cfg), Debian's package
HAPROXY := /usr/sbin/haproxy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# `docker compose` for the tests of docker-compose.yml (`config` only: no Docker engine needed). Debian packages only
# the old docker-compose 1.29, so the plugin is built from the Go module proxy, in the version pinned here.
COMPOSE_VERSION := v5.5.1
DOCKER_CONFIG_DIR ?= .cache/docker
COMPOSE_PLUGIN := $(DOCKER_CONFIG_DIR)/cli-plugins/docker-compose
COMPOSE_INSTALLED := $(DOCKER_CONFIG_DIR)/.compose-$(COMPOSE_VERSION)
export ESOSESKA_DOCKER_CONFIG := $(abspath $(DOCKER_CONFIG_DIR))
# the figures the tests record (tests/figures.py), written at the end of each pytest run
FIGURES := var/reports/figures.json

.PHONY: setup run cluster test-cluster test lint format test-java test-python test-unit test-integration bench audit reset clean realm

setup: $(VENV)/.installed node_modules/.installed $(KEYCLOAK_DIST)/bin/kc.sh $(PROVIDER_JAR)

run: setup
	$(VENV)/bin/python -m devstack run

# the scaled-out stack on loopback until Ctrl-C: PostgreSQL, two Keycloak nodes (production mode, one Infinispan
# cluster), two bridge replicas, HAProxy in front of each pair (devstack/cluster.py, docs/operations.md)
cluster: setup $(POSTGRES) $(HAPROXY)
	$(VENV)/bin/python -m devstack cluster

# the cluster's test alone (test-integration runs it too): nodes and replicas killed with SIGKILL mid-burst
test-cluster: setup $(POSTGRES) $(HAPROXY)
	ESOSESKA_FIGURES_ADD=1 $(VENV)/bin/python -m pytest tests/integration/test_cluster.py

# side by side on the 2 cores (make -j): the parts of setup, then lint, JUnit, the unit and the integration tests (the
# integration tests wait on Keycloak much of the time); -O prints each part's output in one piece when it ends, and
# any part that fails fails `make test` after the others have ended
# one part after the other: run side by side on 2 cores, the unit tests pushed registrations past Keycloak's 3 s
# wait for the bridge (a flaky failure, not a faster suite)
test: setup $(CHROMIUM) $(POSTGRES) $(HAPROXY) $(COMPOSE_INSTALLED)
	rm -f $(FIGURES)
	$(MAKE) --no-print-directory lint test-java test-unit test-integration

# style and types: ruff (every Python file, config in ruff.toml), mypy (the bridge), Spotless (the Java sources)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd registration-bridge && ../$(VENV)/bin/mypy
	$(MVN) -f keycloak-theme/pom.xml spotless:check

# rewrites the sources in the style `make lint` checks
format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(MVN) -f keycloak-theme/pom.xml spotless:apply

test-java: $(ALTCHA_WIDGET)
	$(MVN) -f keycloak-theme/pom.xml verify

test-python: setup $(CHROMIUM) $(POSTGRES) $(HAPROXY) $(COMPOSE_INSTALLED)
	$(VENV)/bin/python -m pytest

# the two halves of test-python, as `make test` runs them side by side (each adds its figures to $(FIGURES))
test-unit: setup $(POSTGRES) $(HAPROXY) $(COMPOSE_INSTALLED)
	ESOSESKA_FIGURES_ADD=1 $(VENV)/bin/python -m pytest tests/unit

test-integration: setup $(CHROMIUM) $(POSTGRES) $(HAPROXY)
	ESOSESKA_FIGURES_ADD=1 $(VENV)/bin/python -m pytest tests/integration

# measured figures, not tests: tables on stdout, JSON under var/bench/, the summary against the targets last
# (about 40 minutes on 2 cores; run it on an otherwise idle machine)
bench: setup $(POSTGRES) $(HAPROXY) $(CHROMIUM)
	$(VENV)/bin/python bench/import_payers.py
	$(VENV)/bin/python bench/upload_memory.py
	$(VENV)/bin/python bench/verify_load.py
	$(VENV)/bin/python bench/verify_history.py
	$(VENV)/bin/python bench/desk_queries.py
	$(VENV)/bin/python bench/registration_load.py
	BENCH_REGISTRATION_MODE=production BENCH_REGISTRATION_CONCURRENCY=1,4 $(VENV)/bin/python bench/registration_load.py
	$(VENV)/bin/python bench/cluster_registrations.py
	$(VENV)/bin/python bench/keycloak_startup.py
	$(VENV)/bin/python bench/lighthouse_pages.py
	$(VENV)/bin/python bench/captcha_solve.py
	$(VENV)/bin/python bench/report.py

# known vulnerabilities in the bridge's locked dependencies; needs pypi.org's JSON API or osv.dev, which the
# build machines of this project do not reach (their registry proxy serves only the package index)
audit: $(VENV)/.installed
	$(VENV)/bin/pip install -q pip-audit
	$(VENV)/bin/pip-audit --strict -r registration-bridge/requirements.lock

# realm-export.json from its readable sources in realm/ (docs/realm.md); then `make reset` re-imports the dev realm
realm:
	$(PYTHON) -m devstack.realm_file

# dev data of `make run` (Keycloak users, bridge database, mails): gone, re-imported at the next start
reset:
	rm -rf var/dev

clean:
	rm -rf var .cache $(VENV) node_modules keycloak-theme/target keycloak-theme/vendor

$(VENV)/.installed: registration-bridge/pyproject.toml registration-bridge/requirements.lock examples/portal/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c registration-bridge/requirements.lock -e 'registration-bridge[test,server,postgres]' \
	  -r examples/portal/requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Keycloak itself, from Maven Central, unpacked into the ignored .cache/ (Maven keeps the archive in ~/.m2)
$(KEYCLOAK_DIST)/bin/kc.sh:
	mkdir -p .cache
	$(MVN) dependency:copy -Dartifact=org.keycloak:keycloak-quarkus-dist:$(KEYCLOAK_VERSION):tar.gz -DoutputDirectory=.cache
	tar -xzf .cache/keycloak-quarkus-dist-$(KEYCLOAK_VERSION).tar.gz -C .cache
	rm -f .cache/keycloak-quarkus-dist-$(KEYCLOAK_VERSION).tar.gz
	touch $@

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || \
	  ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

# the tests start clusters of their own on free ports; the one the package may set up on port 5432 is not used
$(POSTGRES):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql || \
	  ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql)

$(ALTCHA_WIDGET): node_modules/.installed
	mkdir -p $(dir $@)
	cp node_modules/altcha/dist/main/altcha.min.js node_modules/altcha/LICENSE.txt $(dir $@)

$(HAPROXY):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy || \
	  ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy)

$(PROVIDER_JAR): $(PROVIDER_SOURCES) $(ALTCHA_WIDGET)
	$(MVN) -f keycloak-theme/pom.xml -DskipTests package

# the compose CLI plugin, compiled from its module (its go.mod has exclude directives, so `go install mod@version`
# refuses it): 2.5-3 minutes on 2 cores with cold Go caches, seconds when cached; needs Go >= 1.26.3 (an older Go
# fetches that toolchain from the module proxy)
$(COMPOSE_INSTALLED):
	go mod download github.com/docker/compose/v5@$(COMPOSE_VERSION)
	mkdir -p $(dir $(COMPOSE_PLUGIN))
	cd "$$(go env GOMODCACHE)/github.com/docker/compose/v5@$(COMPOSE_VERSION)" && \
	  go build -trimpath -ldflags '-s -w -X github.com/docker/compose/v5/internal.Version=$(COMPOSE_VERSION)' \
	  -o $(abspath $(COMPOSE_PLUGIN)) ./cmd
	rm -f $(DOCKER_CONFIG_DIR)/.compose-*
	touch $@
