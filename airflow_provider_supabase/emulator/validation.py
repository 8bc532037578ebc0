"""Request-body validation against the spec schemas, with error messages that never echo submitted values."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_supabase.emulator.wire import ApiError

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from airflow_provider_supabase.emulator.schemas import Schema

# Keyed by id(): the schemas are module-level constants, so the ids are stable for the process lifetime.
_VALIDATORS: dict[int, Validator] = {}


def _validator(schema: Schema) -> Validator:
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        # Imported lazily: jsonschema is the only non-stdlib dependency and costs ~100 ms to import.
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema)
        _VALIDATORS[id(schema)] = validator
    return validator


def validate(instance: Any, schema: Schema, *, root: str = "$") -> None:
    """Raise a 400 ApiError naming the JSON path and the rule broken, if ``instance`` fails ``schema``."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(schema).iter_errors(instance))
    if error is not None:
        path = root + error.json_path[1:]
        raise ApiError(400, f"Invalid request body: {path}: {describe(error)}")


def describe(error: ValidationError) -> str:
    """Explain a schema violation in terms of the rule only: bodies carry secrets, so no instance values."""
    rule = str(error.validator)
    expected: Any = error.validator_value
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(map(str, kinds))}"
    if rule in ("required", "additionalProperties"):
        # These messages name property keys only, never values.
        return str(error.message)
    if rule == "enum":
        return "must be one of " + ", ".join(json.dumps(v) for v in expected)
    if rule == "const":
        return f"must be {json.dumps(expected)}"
    if rule == "pattern":
        return f"must match the pattern {expected}"
    if rule == "maxLength":
        return f"must be at most {expected} characters long"
    if rule == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters long"
    if rule == "minItems":
        return f"must have at least {expected} items"
    if rule == "maxItems":
        return f"must have at most {expected} items"
    return f"fails the {rule!r} rule"


def parse_json_text(text: bytes | str, what: str) -> Any:
    """Parse JSON, turning a syntax error into a 400 that points at the position, not the content."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        raise ApiError(400, f"Invalid request body: {what} is not valid JSON ({where})") from None
    except ValueError:
        raise ApiError(400, f"Invalid request body: {what} is not valid JSON") from None
