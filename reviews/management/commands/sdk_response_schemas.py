"""Write reviews/api/response_schemas.json: the JSON Schema of every response model the getstream SDK decodes
for our routes, derived from the installed SDK (a dev dependency), so the OpenAPI document can declare what each
route answers without the running service importing the SDK.

    .venv/bin/python manage.py sdk_response_schemas          # rewrite the file
    .venv/bin/python manage.py sdk_response_schemas --check  # exit 1 when the file is out of date

How an SDK dataclass becomes a schema: a field without a default is required; `X | None` may be null; a
`datetime` is integer nanoseconds (what the SDK's `datetime_from_unix_ns` decodes); `Dict[str, object]` is any
object; unknown properties are allowed (the SDK ignores them). Which model a route answers is read from the SDK's
REST clients (`self.post("/api/v2/...", Model, ...)`); routes the SDK has no method for are named in EXTRA.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import types
import typing
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand

OUT = Path(__file__).resolve().parents[2] / "api" / "response_schemas.json"
CLIENTS = ("common", "moderation", "video", "chat")
# Routes of ours the SDK's REST clients do not call by this path: (METHOD, path) -> SDK response model.
EXTRA = {
    # Stream's client-side call (video JS SDK); it answers the bare `Response` (duration only).
    ("POST", "/api/v2/video/call/{}/{}/request_permission"): "Response",
}
_CALL = re.compile(r'self\.(get|post|put|patch|delete)\(\s*"(/api/v2/[^"]+)",\s*(\w+)')


def sdk_routes() -> dict[tuple[str, str], str]:
    import getstream

    root = Path(getstream.__file__).parent
    routes: dict[tuple[str, str], str] = {}
    for client in CLIENTS:
        source = (root / client / "rest_client.py").read_text()
        for method, path, model in _CALL.findall(source):
            routes[(method.upper(), re.sub(r"\{[^}]+\}", "{}", path))] = model
    for (method, path), model in EXTRA.items():
        routes[(method, re.sub(r"\{[^}]+\}", "{}", path))] = model
    return routes


class _Builder:
    def __init__(self) -> None:
        from getstream import models

        self.models = models
        self.schemas: dict[str, dict] = {}

    def model(self, name: str) -> dict:
        if name not in self.schemas:
            self.schemas[name] = {}  # placeholder: recursion through references
            cls = getattr(self.models, name)
            hints = typing.get_type_hints(cls, vars(self.models))
            properties, required = {}, []
            for f in dataclasses.fields(cls):
                rename = (f.metadata.get("dataclasses_json") or {}).get("letter_case")
                wire = rename(f.name) if rename else f.name  # dc_config(field_name=...) renames this way
                properties[wire] = self.type(hints[f.name])
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    required.append(wire)
            schema: dict = {"type": "object", "properties": properties}
            if required:
                schema["required"] = sorted(required)
            self.schemas[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}

    def type(self, hint) -> dict:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            schema = self.type(inner[0]) if len(inner) == 1 else {"anyOf": [self.type(a) for a in inner]}
            return {"anyOf": [schema, {"type": "null"}]} if len(inner) < len(args) else schema
        if origin in (list, typing.List):  # noqa: UP006
            return {"type": "array", "items": self.type(args[0]) if args else {}}
        if origin in (dict, typing.Dict):  # noqa: UP006
            value = args[1] if len(args) == 2 else object
            return {"type": "object", "additionalProperties": self.type(value)}
        if hint is str:
            return {"type": "string"}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint is datetime:
            return {"type": "integer", "description": "nanoseconds since the epoch"}
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.model(hint.__name__)
        return {}  # object, Any: any JSON value


def our_routes() -> list[tuple[str, str]]:
    """(METHOD, path with `{}` for parameters) of every operation the API serves."""
    from reviews.api.app import api

    paths = api.get_openapi_schema(path_prefix="/api/v2/")["paths"]
    return sorted((method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
                  for path, operations in paths.items() for method in operations)


def build() -> dict:
    builder = _Builder()
    known = sdk_routes()
    missing = [f"{m} {p}" for m, p in our_routes() if (m, p) not in known]
    if missing:
        raise SystemExit(f"no SDK response model for {', '.join(missing)}; name one in EXTRA")
    routes = {f"{m} {p}": builder.model(known[(m, p)])["$ref"].rsplit("/", 1)[1] for m, p in our_routes()}
    return {"routes": routes, "schemas": dict(sorted(builder.schemas.items()))}


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Regenerate reviews/api/response_schemas.json from the installed getstream SDK's response models."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 when the committed file is out of date")

    def handle(self, *args, check: bool = False, **options) -> None:
        text = render()
        if check:
            if not OUT.exists() or OUT.read_text() != text:
                self.stderr.write(f"{OUT} is out of date; run manage.py sdk_response_schemas")
                sys.exit(1)
            return
        OUT.write_text(text)
        self.stdout.write(f"wrote {OUT} ({len(text) // 1024} KB)")
