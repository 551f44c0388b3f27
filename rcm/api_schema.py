"""The OpenAPI schema's error answers, documented once for every operation (a drf-spectacular hook).

drf-spectacular documents only the success response of each operation; clients (and schemathesis's
status-code and response-schema checks) need the errors every operation can give too. DRF's error bodies
are an object (`{"detail": …}` or field → messages) or, for a bare validation error, a list of messages.
"""

from __future__ import annotations

from typing import Any

ERRORS: dict[str, str] = {
    "400": "The request is not valid: the body says which field and why.",
    "401": "Not signed in (no or a bad token or session).",
    "403": "Signed in, but your role may not do this (or the second factor is missing).",
    "404": "No such object in your practices (another practice's objects are never revealed).",
    "405": "This method is not offered here.",
    "409": "The object changed meanwhile or is in a state that does not allow this.",
    "413": "The upload is larger than allowed.",
    "415": "The body's media type is not accepted here.",
    "422": "The file was read but its content cannot be processed.",
    "429": "Too many attempts: locked out or throttled for a while.",
}

ERROR_SCHEMA = {
    "oneOf": [
        {"type": "object", "additionalProperties": True,
         "description": '`{"detail": "…"}`, or each field with its messages'},
        {"type": "array", "items": {"type": "string"}, "description": "messages"},
    ]
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, words in ERRORS.items():
                responses.setdefault(code, {"description": words, "content": {"application/json": {"schema": ref}}})
    return result
