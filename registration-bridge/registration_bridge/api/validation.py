"""Strict checks of callback bodies: a JSON object with known fields of the right type and size."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request


class BadRequestBody(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Field:
    max_length: int
    required: bool = False
    multiline: bool = False  # allows line breaks (and tabs), still no other control characters
    many: int = 0  # > 0: a list of at most this many strings (each checked as above)
    own_check: bool = False  # the endpoint checks the characters itself (and answers a field error for them)
    flag: bool = False  # a JSON true or false instead of a string


def read_object(request: Request, schema: dict[str, Field]) -> dict:
    """The JSON body as a dict of strings (booleans for flags), or BadRequestBody naming every problem."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequestBody(["the body must be a JSON object"])
    problems = [f"unknown field {name!r}" for name in body if name not in schema]
    values: dict[str, str | list[str] | bool] = {}
    for name, spec in schema.items():
        value = body.get(name)
        if value is None:
            if name in body:
                problems.append(f"field {name!r} must not be null")
            elif spec.required:
                problems.append(f"missing field {name!r}")
            continue
        if spec.flag:
            if isinstance(value, bool):
                values[name] = value
            else:
                problems.append(f"field {name!r} must be true or false")
            continue
        if spec.many:
            if not isinstance(value, list) or len(value) > spec.many:
                problems.append(f"field {name!r} must be a list of at most {spec.many} strings")
                continue
            item_problems = _string_problems(name, value, spec)
            problems.extend(item_problems)
            if not item_problems:
                values[name] = list(value)
            continue
        if not isinstance(value, str):
            problems.append(f"field {name!r} must be a string")
        elif len(value) > spec.max_length:
            problems.append(f"field {name!r} is longer than {spec.max_length} characters")
        elif not spec.own_check and any(
            (ord(ch) < 32 and not (spec.multiline and ch in "\r\n\t")) or ord(ch) == 127 for ch in value
        ):
            problems.append(f"field {name!r} contains control characters")
        else:
            values[name] = value
    if problems:
        raise BadRequestBody(problems)
    return values


def _string_problems(name: str, items: list, spec: Field) -> list[str]:
    for item in items:
        if not isinstance(item, str):
            return [f"field {name!r} must contain only strings"]
        if len(item) > spec.max_length or any(ord(ch) < 32 or ord(ch) == 127 for ch in item):
            return [f"field {name!r} has a value that is too long or contains control characters"]
    return []
