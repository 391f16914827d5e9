"""Claim headers and lines → the dicts the domain validates, and domain error paths → proto field paths."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from claims.adapters.grpc.mapping import build, distance_fields, enum_name, has, money_fields, present
from claims.api.v1 import claims_pb2 as pb
from claims.api.v1 import vehicles_pb2
from claims.domain.errors import FieldViolation, InvalidCommandError

M = TypeVar("M", bound=BaseModel)

# The oneof member of ClaimLine.item ↔ the domain's discriminated-union tag.
TAGS = {"labour": "LABOUR", "part": "PART", "sublet": "SUBLET", "other": "OTHER"}
# Proto field names that differ from the domain's, per oneof member (domain → proto).
_RENAMED = {"other": {"other_kind": "kind"}}
_LINE_PATH = re.compile(r"^lines\[(\d+)\](?:\.(.*))?$")


def header_fields(message: pb.ClaimHeader, is_set: bool) -> dict[str, Any] | None:
    if not is_set:
        return None
    defect = message.defect
    return present(
        {
            "odometer": distance_fields(message.odometer, has(message, "odometer")),
            "defect": present({"causal_part_number": defect.causal_part_number, "failure_code": defect.failure_code})
            if has(message, "defect")
            else None,
            "component_group": enum_name(message.component_group, vehicles_pb2.ComponentGroup, "COMPONENT_GROUP_"),
            "complaint": message.complaint,
            "cause": message.cause,
            "correction": message.correction,
        }
    )


def line_fields(line: pb.ClaimLine) -> dict[str, Any]:
    """One line as the domain's tagged union: ``kind`` names the oneof member that is set."""
    member = line.WhichOneof("item")
    common: dict[str, Any] = {"kind": TAGS.get(member or "", "UNSET"), "line_no": line.line_no or None}
    fields: dict[str, Any]
    match member:
        case "labour":
            item = line.labour
            fields = {
                "operation_code": item.operation_code,
                "hours": item.hours,
                "rate": money_fields(item.rate, has(item, "rate")),
            }
        case "part":
            part = line.part
            fields = {
                "part_number": part.part_number,
                "quantity": part.quantity,
                "unit_price": money_fields(part.unit_price, has(part, "unit_price")),
                "causal": part.causal,
                "main_part": part.main_part,
                "return_required": part.return_required,
                "supplier_code": part.supplier_code,
            }
        case "sublet":
            sublet = line.sublet
            fields = {"description": sublet.description, "amount": money_fields(sublet.amount, has(sublet, "amount"))}
        case "other":
            fields = {
                "other_kind": enum_name(line.other.kind, pb.OtherKind, "OTHER_KIND_"),
                "amount": money_fields(line.other.amount, has(line.other, "amount")),
            }
        case _:
            fields = {}
    return present(common | fields)


def build_with_lines(model: type[M], fields: Mapping[str, Any], lines: Sequence[pb.ClaimLine]) -> M:
    """Validate a command carrying claim lines; violations inside a line name the proto field."""
    members = [line.WhichOneof("item") for line in lines]
    try:
        return build(model, fields)
    except InvalidCommandError as e:
        raise InvalidCommandError([_on_proto_path(v, members) for v in e.violations]) from None


def _on_proto_path(violation: FieldViolation, members: Sequence[str | None]) -> FieldViolation:
    path = proto_path(violation.field, members)
    if path.endswith("].item"):
        return FieldViolation(path, "set one of labour, part, sublet or other")
    return FieldViolation(path, violation.description)


def proto_path(path: str, members: Sequence[str | None]) -> str:
    """``lines[1].PART.quantity`` or ``lines[1].unit_price.currency`` → ``lines[1].part.…``.

    The domain addresses a line's fields directly (its union tag may appear in the path); the
    proto nests them under the oneof member that is set, except ``line_no``, which is the line's own.
    """
    match = _LINE_PATH.match(path)
    if match is None:
        return path
    index, rest = int(match[1]), match[2] or ""
    member = members[index] if index < len(members) else None
    head, _, tail = rest.partition(".")
    if head in TAGS.values():
        rest = tail
    if member is None:
        return f"lines[{index}].item" if not rest else f"lines[{index}].{rest}"
    if not rest or rest.startswith("line_no"):
        return f"lines[{index}]" + (f".{rest}" if rest else "")
    head, dot, tail = rest.partition(".")
    return f"lines[{index}].{member}.{_RENAMED.get(member, {}).get(head, head)}{dot}{tail}"
