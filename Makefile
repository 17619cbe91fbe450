# eSoseska identity layer: `make run` starts the dev stack, `make test` runs every test.
# Everything these need is fetched here (Maven Central, PyPI, npm); nothing is installed by hand.

PYTHON ?= python3
KEYCLOAK_VERSION := $(shell sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' keycloak-theme/pom.xml)
KEYCLOAK_DIST := .cache/keycloak-$(KEYCLOAK_VERSION)
PROVIDER_JAR := keycloak-theme/target/esoseska-keycloak.jar
PROVIDER_SOURCES := $(shell find keycloak-theme/src/main -type f) keycloak-theme/pom.xml
VENV := .venv
MVN := mvn -B -q
# the browser tests drive Debian's Chromium (Playwright's own browser download is not reachable here)
CHROMIUM := /usr/bin/chromium
# the tests start throwaway PostgreSQL clusters (bridge on PostgreSQL, Keycloak in production mode) with Debian's
# server binaries; devstack/postgres.py takes the newest /usr/lib/postgresql/<major>/bin
POSTGRES := /usr/lib/postgresql/15/bin/postgres
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test test-java test-python bench audit reset clean

setup: $(VENV)/.installed node_modules/.installed $(KEYCLOAK_DIST)/bin/kc.sh $(PROVIDER_JAR)

run: setup
	$(VENV)/bin/python -m devstack run

test: setup $(CHROMIUM) $(POSTGRES) test-java test-python

test-java:
	$(MVN) -f keycloak-theme/pom.xml verify

test-python: setup $(CHROMIUM) $(POSTGRES)
	$(VENV)/bin/python -m pytest

# measured figures, not tests: tables on stdout, JSON under var/bench/
bench: setup
	$(VENV)/bin/python bench/import_payers.py
	$(VENV)/bin/python bench/verify_load.py

# known vulnerabilities in the bridge's locked dependencies; needs pypi.org's JSON API or osv.dev, which the
# build machines of this project do not reach (their registry proxy serves only the package index)
audit: $(VENV)/.installed
	$(VENV)/bin/pip install -q pip-audit
	$(VENV)/bin/pip-audit --strict -r registration-bridge/requirements.lock

# dev data of `make run` (Keycloak users, bridge database, mails): gone, re-imported at the next start
reset:
	rm -rf var/dev

clean:
	rm -rf var .cache $(VENV) node_modules keycloak-theme/target

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

$(PROVIDER_JAR): $(PROVIDER_SOURCES)
	$(MVN) -f keycloak-theme/pom.xml -DskipTests package
