#!/bin/sh
# First start of an empty PostgreSQL data volume only (docker-entrypoint-initdb.d): one database and one owner
# each for Keycloak and the registration bridge; neither can connect to the other's database.
# Passwords changed later in .env must be changed in PostgreSQL too (ALTER ROLE ... PASSWORD ...).
set -eu
: "${KEYCLOAK_DB_PASSWORD:?}" "${BRIDGE_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v keycloak_password="$KEYCLOAK_DB_PASSWORD" -v bridge_password="$BRIDGE_DB_PASSWORD" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';
CREATE DATABASE keycloak OWNER keycloak;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;

CREATE ROLE bridge LOGIN PASSWORD :'bridge_password';
CREATE DATABASE bridge OWNER bridge;
REVOKE ALL ON DATABASE bridge FROM PUBLIC;
SQL
