#!/bin/sh
# Entrypoint of the Keycloak image: refuses to start while a secret is missing, a published placeholder
# (it contains dev-only or change-me: the defaults of realm-export.json and the values of .env.example) or
# shorter than 32 bytes; then runs kc.sh (next to this script) with the container's arguments.
# The realm import resolves the realm file's ${NAME:default} placeholders: a missing variable would import the
# published dev default, so every secret placeholder of the realm file is required here. The bridge's callback
# secret and the captcha's HMAC key are no variables: they are files of Keycloak's vault ($KC_VAULT_DIR/<realm>_<key>),
# checked the same way.
# The same rule as the bridge's (registration_bridge/settings.py, weak_secret_reason); tests/unit/test_keycloak_entrypoint.py.
set -eu

SECRETS="KC_BOOTSTRAP_ADMIN_PASSWORD KC_DB_PASSWORD BRIDGE_KEYCLOAK_CLIENT_SECRET
BRIDGE_OPS_CLIENT_SECRET PORTAL_DEMO_CLIENT_SECRET PAYER_ADMIN_CLI_SECRET DESK_CLIENT_SECRET"
# files of the vault directory (docker-compose.yml mounts them from its secrets)
VAULT_SECRETS="esoseska_bridge-callback-secret esoseska_captcha-hmac-key"
MIN_BYTES=32

refused=""
# why a value is refused (empty: it is fine)
weakness() {
    value="$1"
    lower="$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')"
    case "$lower" in
        "") reason="is missing" ;;
        *dev-only*|*change-me*) reason="is a published placeholder (dev-only/change-me)" ;;
        *) bytes="$(printf '%s' "$value" | LC_ALL=C wc -c)"
           if [ "$((bytes))" -lt "$MIN_BYTES" ]; then
               reason="is shorter than $MIN_BYTES bytes"
           else
               reason=""
           fi ;;
    esac
    printf '%s' "$reason"
}

for name in $SECRETS; do
    reason="$(weakness "$(printenv "$name" || true)")"
    if [ -n "$reason" ]; then
        echo "keycloak: refusing to start: $name $reason; set a long random value (openssl rand -hex 32) in .env" >&2
        refused="yes"
    fi
done
for file in $VAULT_SECRETS; do
    path="${KC_VAULT_DIR:-}/$file"
    if [ -z "${KC_VAULT_DIR:-}" ]; then
        reason="is missing (KC_VAULT_DIR is not set)"
    elif [ ! -r "$path" ]; then
        reason="is missing (no file $path)"
    else
        reason="$(weakness "$(cat "$path")")"
    fi
    if [ -n "$reason" ]; then
        case "$file" in
            *_captcha-hmac-key) variable="CAPTCHA_HMAC_KEY" ;;
            *) variable="BRIDGE_CALLBACK_SECRET" ;;
        esac
        echo "keycloak: refusing to start: vault secret $file $reason; it is $variable in .env" >&2
        refused="yes"
    fi
done
[ -z "$refused" ] || exit 78  # EX_CONFIG

exec "$(dirname "$0")/kc.sh" "$@"
