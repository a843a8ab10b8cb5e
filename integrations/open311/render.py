"""GeoReport v2 documents in XML (required by the spec) and JSON, with its exact names."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi.responses import Response

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MEDIA = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def iso(when: datetime | None) -> str | None:
    return when.astimezone(LOCAL).isoformat(timespec="seconds") if when else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            element.append(_element(key, inner))
    elif name == "formats" and isinstance(value, list):  # discovery: one <format> each
        for inner in value:
            element.append(_element("format", inner))
    elif isinstance(value, list) and value and isinstance(value[0], Mapping):
        singular = name[:-1] if name.endswith("s") else name
        for inner in value:
            element.append(_element(singular, inner))
    else:
        element.text = _text(value)
    return element


def to_xml(
    root: str, item: str | None, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]
) -> bytes:
    top = ET.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            top.append(_element(key, value))
    else:
        for row in body:
            top.append(_element(item or "item", row))
    declaration = b'<?xml version="1.0" encoding="utf-8"?>\n'
    return declaration + bytes(ET.tostring(top, encoding="utf-8", xml_declaration=False))


def document(
    fmt: str,
    body: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    *,
    root: str,
    item: str | None,
    status: int = 200,
) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, item, body), status_code=status, media_type=MEDIA["xml"])
    payload = json.dumps(body, ensure_ascii=False).encode()
    return Response(payload, status_code=status, media_type=MEDIA["json"])


def errors(fmt: str, status: int, *descriptions: str) -> Response:
    """The spec's error list: [{"code", "description"}] / <errors><error>…</error></errors>."""
    body = [{"code": status, "description": d} for d in descriptions]
    return document(
        fmt if fmt in MEDIA else "json", body, root="errors", item="error", status=status
    )
