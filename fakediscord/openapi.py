"""Request-body validation against Discord's published OpenAPI spec (vendored).

Validators are built lazily per (path template, method, content type) and cached; the
spec itself is parsed once, on first use.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from importlib import resources
from typing import Any
from urllib.parse import quote

import jsonschema
import referencing
import referencing.jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .errors import field_error, merge_errors

log = logging.getLogger(__name__)

_SPEC_URI = "urn:discord-openapi"
_METHODS = ("get", "put", "post", "patch", "delete")


@functools.cache
def spec() -> dict[str, Any]:
    text = resources.files("fakediscord").joinpath("spec/discord-openapi.json").read_text()
    data: dict[str, Any] = json.loads(text)
    # The spec types snowflakes as strings, but Discord also accepts integers in request
    # bodies (discord.py sends allowed_mentions role and user ids as ints): model that.
    snowflake = data["components"]["schemas"]["SnowflakeType"]
    data["components"]["schemas"]["SnowflakeType"] = {
        "anyOf": [snowflake, {"type": "integer", "minimum": 0, "maximum": 2**64 - 1}]
    }
    return data


@functools.cache
def _registry() -> referencing.Registry[Any]:
    resource = referencing.Resource.from_contents(
        spec(), default_specification=referencing.jsonschema.DRAFT202012
    )
    return referencing.Registry().with_resource(_SPEC_URI, resource)


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Path templates, most literal first, so /users/@me wins over /users/{user_id}."""
    out = []
    for template in spec()["paths"]:
        parts = template.strip("/").split("/")
        regex = "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        literal = sum(not p.startswith("{") for p in parts)
        out.append((literal, re.compile(f"^/{regex}$"), template))
    out.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in out]


def match_template(path: str) -> str | None:
    """The spec's path template for a concrete request path (without the /api/v10)."""
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    return None


def path_params(template: str, path: str) -> dict[str, str]:
    names = template.strip("/").split("/")
    values = path.strip("/").split("/")
    return {n[1:-1]: v for n, v in zip(names, values, strict=True) if n.startswith("{")}


@functools.cache
def _validator(
    template: str, method: str, content_type: str
) -> jsonschema.Draft202012Validator | None:
    operation = spec()["paths"].get(template, {}).get(method.lower())
    if not operation or "requestBody" not in operation:
        return None
    content = operation["requestBody"]["content"]
    if content_type not in content:
        content_type = "application/json"
        if content_type not in content:
            return None
    pointer = "/".join(
        p.replace("~", "~0").replace("/", "~1")
        for p in (
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            content_type,
            "schema",
        )
    )
    schema = {"$ref": f"{_SPEC_URI}#/{quote(pointer, safe='/~@')}"}
    return jsonschema.Draft202012Validator(schema, registry=_registry())


def validate_body(template: str, method: str, body: Any) -> dict[str, Any] | None:
    """Discord-shaped ``errors`` for a body the spec refuses, or None when it conforms.

    JSON and ``payload_json`` bodies are both checked against the JSON schema: the
    multipart schema only adds the ``files[n]`` parts, which are not JSON.
    """
    if _validator(template, method, "application/json") is None:
        return None
    # Bots send the same bodies again and again (benchmarks do nothing else); validation
    # is a pure function of the body, so identical bodies are checked once.
    try:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return _validate(template, method, body)
    found = _validate_cached(template, method, canonical)
    return copy.deepcopy(found) if found is not None else None


@functools.lru_cache(maxsize=4096)
def _validate_cached(template: str, method: str, canonical: str) -> dict[str, Any] | None:
    return _validate(template, method, json.loads(canonical))


def _validate(template: str, method: str, body: Any) -> dict[str, Any] | None:
    validator = _validator(template, method, "application/json")
    if validator is None:
        return None
    found: dict[str, Any] = {}
    errs = list(validator.iter_errors(body))
    if not errs:
        return None
    for err in errs[:10]:
        err = best_match([err]) or err
        err = _deepest(err)
        merge_errors(found, field_error(list(err.absolute_path), _code(err), err.message[:300]))
    return found


def _deepest(err: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, point at the alternative that got furthest, skipping
    alternatives whose discriminating ``type`` value did not match."""
    while err.context:
        by_branch: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            by_branch.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        candidates = [
            sub
            for subs in by_branch.values()
            if not any(list(s.relative_path) == ["type"] for s in subs)
            for sub in subs
        ] or list(err.context)
        nested = best_match(candidates)
        if nested is None or len(nested.absolute_path) < len(err.absolute_path):
            break
        err = nested
    return err


def _code(err: ValidationError) -> str:
    return {
        "maxLength": "BASE_TYPE_MAX_LENGTH",
        "minLength": "BASE_TYPE_MIN_LENGTH",
        "maxItems": "BASE_TYPE_MAX_LENGTH",
        "minItems": "BASE_TYPE_MIN_LENGTH",
        "type": "BASE_TYPE_BAD_TYPE",
        "required": "BASE_TYPE_REQUIRED",
        "enum": "BASE_TYPE_CHOICES",
    }.get(str(err.validator), "BASE_TYPE_INVALID")


def known_methods(template: str) -> list[str]:
    return [m.upper() for m in spec()["paths"].get(template, {}) if m in _METHODS]
