"""GET /openapi.json: the bridge's HTTP API, as OpenAPI 3.1 (what schemathesis fuzzes in the test suite)."""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)


NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f]*$"
NO_CONTROL_BUT_LINE_BREAKS = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"


def _string(max_length: int, pattern: str = NO_CONTROL_CHARACTERS) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def _object(properties: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


ERROR = _object(
    {
        "error": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string"},
    },
    ["error"],
)
FIELD_ERRORS = _object(
    {
        "ok": {"const": False},
        "errors": {
            "type": "array",
            "items": _object({"field": {"type": "string"}, "code": {"type": "string"}}, ["field", "code"]),
        },
    },
    ["ok", "errors"],
)
SIGNED: list[dict[str, list[str]]] = [{"callbackSignature": []}]
ADMIN: list[dict[str, list[str]]] = [{"adminToken": []}]
MANAGER_ID = {
    "name": "manager_id",
    "in": "path",
    "required": True,
    "example": "staninvest",
    "schema": {"type": "string", "maxLength": 64},
}
PAGE_LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
}
CSV_EXAMPLE = "payer_code,bill_password,holder_name\n100300,Primer-Gesla1,Ana Novak\n"


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _admin_responses(ok: dict) -> dict:
    return {
        **ok,
        "400": {
            "description": "malformed request, or a CSV with problems (all listed with line numbers)",
            **_json(ERROR),
        },
        "401": {
            "description": "no access token, or one that is not valid for this API (see WWW-Authenticate)",
            **_json(ERROR),
        },
        "403": {"description": "the token's user is not staff of this manager (nor a platform admin)", **_json(ERROR)},
        "404": {"description": "no such manager", **_json(ERROR)},
        "503": {
            "description": "Keycloak's keys (or the database) can not be reached: nothing was checked",
            **_json(ERROR),
        },
    }


def _responses(ok: dict, *, signed: bool = True) -> dict:
    responses = {
        **ok,
        "400": {"description": "malformed body", **_json(ERROR)},
        "413": {"description": "body too large", **_json(ERROR)},
    }
    if signed:
        responses["401"] = {"description": "missing, bad, stale or replayed signature", **_json(ERROR)}
    return responses


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "eSoseska registration bridge", "version": "1"},
    "components": {
        "securitySchemes": {
            "callbackSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Signature",
                "description": 't=<unix seconds>,v2=<hex HMAC-SHA256(callback secret, "<t>\\n<METHOD>\\n<path>\\n'
                '<raw body>")>, exactly (see registration_bridge/signing.py)',
            },
            "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A Keycloak access token of the realm with the audience payer-admin-api (client "
                "payer-admin-cli). Rights: realm role platform-admin (every manager) or group "
                "/manager-staff/<manager id> (that manager).",
            },
        }
    },
    "paths": {
        "/healthz": {
            "get": {
                "responses": {
                    "200": {"description": "the database answers", **_json({"type": "object"})},
                    "503": {"description": "the database does not answer", **_json({"type": "object"})},
                }
            }
        },
        "/v1/managers": {
            "get": {
                "responses": {
                    "200": {
                        "description": "managers for the drop-down",
                        **_json(
                            _object(
                                {
                                    "managers": {
                                        "type": "array",
                                        "items": _object(
                                            {"id": {"type": "string"}, "name": {"type": "string"}}, ["id", "name"]
                                        ),
                                    }
                                },
                                ["managers"],
                            )
                        ),
                    }
                }
            }
        },
        "/v1/registrations/verify": {
            "post": {
                "security": SIGNED,
                "requestBody": {
                    "required": True,
                    **_json(
                        _object(
                            {
                                "manager_id": _string(64),
                                "payer_code": _string(64),
                                "bill_password": _string(128),
                                "email": _string(254),
                                "first_name": _string(200),
                                "last_name": _string(200),
                                "client_ip": _string(64),
                                "locale": _string(16),
                                "request_id": _string(64),
                            },
                            ["manager_id", "payer_code", "bill_password"],
                        )
                    ),
                },
                "responses": _responses(
                    {
                        "200": {
                            "description": "verified, or errors per field",
                            **_json(
                                {
                                    "oneOf": [
                                        _object(
                                            {
                                                "ok": {"const": True},
                                                "ticket": {"type": "string"},
                                                "attributes": {
                                                    "type": "object",
                                                    "additionalProperties": {
                                                        "type": "array",
                                                        "items": {"type": "string"},
                                                    },
                                                },
                                            },
                                            ["ok", "ticket", "attributes"],
                                        ),
                                        FIELD_ERRORS,
                                    ]
                                }
                            ),
                        }
                    }
                ),
            }
        },
        "/v1/registrations/claims": {
            "post": {
                "security": SIGNED,
                "requestBody": {
                    "required": True,
                    **_json(
                        _object(
                            {"ticket": _string(1024), "user_id": _string(64), "request_id": _string(64)},
                            ["ticket", "user_id"],
                        )
                    ),
                },
                "responses": _responses(
                    {
                        "201": {"description": "claimed", **_json({"type": "object"})},
                        "200": {"description": "already claimed by this user", **_json({"type": "object"})},
                        "403": {"description": "the ticket is forged or expired", **_json(ERROR)},
                        "409": {"description": "claimed by another user, or unknown payer", **_json(ERROR)},
                    }
                ),
            }
        },
        "/v1/claims/sync": {
            "post": {
                "security": SIGNED,
                "requestBody": {
                    "required": True,
                    **_json(
                        _object(
                            {
                                "user_id": _string(64),
                                "request_id": _string(64),
                                "payer_accounts": {"type": "array", "maxItems": 100, "items": _string(200)},
                            },
                            ["user_id", "payer_accounts"],
                        )
                    ),
                },
                "responses": _responses(
                    {
                        "200": {
                            "description": "claims released",
                            **_json(
                                _object({"released": {"type": "array", "items": {"type": "string"}}}, ["released"])
                            ),
                        }
                    }
                ),
            }
        },
        "/v1/inquiries": {
            "post": {
                "security": SIGNED,
                "requestBody": {
                    "required": True,
                    **_json(
                        _object(
                            {
                                "manager_id": _string(64),
                                "name": _string(4000),
                                "email": _string(254),
                                "message": _string(4000, NO_CONTROL_BUT_LINE_BREAKS),
                                "client_ip": _string(64),
                                "locale": _string(16),
                                "logo_url": _string(2000),
                                "brand_colour": _string(16),
                                "request_id": _string(64),
                            },
                            ["manager_id", "name", "email", "message"],
                        )
                    ),
                },
                "responses": {
                    **_responses(
                        {
                            "202": {"description": "sent to the manager", **_json({"type": "object"})},
                            "429": {"description": "too many inquiries", **_json(ERROR)},
                            "503": {"description": "mail could not be sent", **_json(ERROR)},
                        }
                    ),
                    "400": {
                        "description": "errors per field (name: required, too_long, invalid_characters), or a "
                        "malformed body",
                        **_json({"oneOf": [FIELD_ERRORS, ERROR]}),
                    },
                },
            }
        },
        "/v1/managers/{manager_id}/payers": {
            "post": {
                "summary": "Import the manager's payer list (CSV; the rules of `registration-bridge import-payers`)",
                "security": ADMIN,
                "parameters": [MANAGER_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        },
                    },
                },
                "responses": _admin_responses(
                    {
                        "200": {
                            "description": "imported, all rows",
                            **_json(
                                _object(
                                    {
                                        "manager_id": {"type": "string"},
                                        "rows": {"type": "integer"},
                                        "inserted": {"type": "integer"},
                                        "updated": {"type": "integer"},
                                        "unchanged": {"type": "integer"},
                                        "encoding": {"type": "string"},
                                    },
                                    ["manager_id", "rows", "inserted", "updated", "unchanged", "encoding"],
                                )
                            ),
                        },
                        "413": {"description": "larger than BRIDGE_MAX_UPLOAD_BYTES", **_json(ERROR)},
                        "415": {"description": "neither text/csv nor multipart/form-data", **_json(ERROR)},
                    }
                ),
            }
        },
        "/v1/managers/{manager_id}/claims": {
            "get": {
                "summary": "The manager's claims by payer code, a page at a time",
                "security": ADMIN,
                "parameters": [
                    MANAGER_ID,
                    PAGE_LIMIT,
                    {
                        "name": "after",
                        "in": "query",
                        "required": False,
                        "description": "next_after of the previous page",
                        "schema": _string(64),
                    },
                ],
                "responses": _admin_responses(
                    {
                        "200": {
                            "description": "a page of claims",
                            **_json(
                                _object(
                                    {
                                        "manager_id": {"type": "string"},
                                        "claims": {
                                            "type": "array",
                                            "items": _object(
                                                {
                                                    "payer_code": {"type": "string"},
                                                    "user_id": {"type": "string"},
                                                    "claimed_at": {"type": "string"},
                                                },
                                                ["payer_code", "user_id", "claimed_at"],
                                            ),
                                        },
                                        "next_after": {"type": ["string", "null"]},
                                    },
                                    ["manager_id", "claims", "next_after"],
                                )
                            ),
                        }
                    }
                ),
            }
        },
        "/v1/managers/{manager_id}/audit": {
            "get": {
                "summary": "The manager's audit log (imports, unlocks), newest first",
                "security": ADMIN,
                "parameters": [
                    MANAGER_ID,
                    PAGE_LIMIT,
                    {
                        "name": "before",
                        "in": "query",
                        "required": False,
                        "description": "next_before of the previous page",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                    },
                ],
                "responses": _admin_responses(
                    {
                        "200": {
                            "description": "a page of audit entries",
                            **_json(
                                _object(
                                    {
                                        "manager_id": {"type": "string"},
                                        "entries": {
                                            "type": "array",
                                            "items": _object(
                                                {
                                                    "id": {"type": "integer"},
                                                    "at": {"type": "string"},
                                                    "actor": {"type": "string"},
                                                    "actor_subject": {"type": ["string", "null"]},
                                                    "via": {"type": "string"},
                                                    "action": {"type": "string"},
                                                    "details": {"type": "object"},
                                                },
                                                ["id", "at", "actor", "actor_subject", "via", "action", "details"],
                                            ),
                                        },
                                        "next_before": {"type": ["integer", "null"]},
                                    },
                                    ["manager_id", "entries", "next_before"],
                                )
                            ),
                        }
                    }
                ),
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(SPEC)
