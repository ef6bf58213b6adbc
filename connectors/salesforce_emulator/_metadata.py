"""Learn custom fields and field permissions from Salesforce DX source files.

Reads ``objects/<Object>/fields/*.field-meta.xml`` and
``permissionsets/*.permissionset-meta.xml`` under the metadata directory. A
custom field the permission set does not let the integration user read is
left out of the org, exactly as Salesforce hides it from that user.
"""

from __future__ import annotations

import dataclasses
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

from connectors.salesforce_emulator._errors import EmulatorError
from connectors.salesforce_emulator._schema import FieldDef, FieldType, OrgSchema

__all__ = ["FieldAccess", "apply_metadata"]

logger = logging.getLogger(__name__)

_NS = {"md": "http://soap.sforce.com/2006/04/metadata"}

_TYPES = {
    "Text": FieldType.STRING,
    "TextArea": FieldType.TEXTAREA,
    "LongTextArea": FieldType.TEXTAREA,
    "Picklist": FieldType.PICKLIST,
    "Number": FieldType.DOUBLE,
    "Currency": FieldType.CURRENCY,
    "Percent": FieldType.PERCENT,
    "Checkbox": FieldType.BOOLEAN,
    "Date": FieldType.DATE,
    "DateTime": FieldType.DATETIME,
}


@dataclasses.dataclass(frozen=True)
class FieldAccess:
    """Field-level security granted by a permission set."""

    readable: bool
    editable: bool


def _text(element: ET.Element, tag: str, default: str = "") -> str:
    found = element.find(f"md:{tag}", _NS)
    return found.text or default if found is not None else default


def _parse_field(path: Path) -> FieldDef:
    root = ET.parse(path).getroot()  # noqa: S314 - the product's own metadata file
    kind = _text(root, "type")
    if kind not in _TYPES:
        raise EmulatorError(f"{path}: field type {kind!r} is not supported")
    values = tuple(
        _text(v, "fullName")
        for v in root.findall("md:valueSet/md:valueSetDefinition/md:value", _NS)
    )
    return FieldDef(
        name=_text(root, "fullName"),
        type=_TYPES[kind],
        label=_text(root, "label"),
        length=int(_text(root, "length", "0")),
        precision=int(_text(root, "precision", "0")),
        scale=int(_text(root, "scale", "0")),
        nillable=_text(root, "required", "false") != "true",
        picklist=values,
        restricted=_text(root, "valueSet/md:restricted", "false") == "true",
        custom=True,
        long_text=kind == "LongTextArea",
    )


def _read_permissions(metadata_dir: Path) -> dict[str, FieldAccess]:
    access: dict[str, FieldAccess] = {}
    for path in sorted(metadata_dir.glob("permissionsets/*.permissionset-meta.xml")):
        root = ET.parse(path).getroot()  # noqa: S314 - the product's own metadata file
        for grant in root.findall("md:fieldPermissions", _NS):
            name = _text(grant, "field").lower()
            previous = access.get(name, FieldAccess(readable=False, editable=False))
            access[name] = FieldAccess(
                readable=previous.readable or _text(grant, "readable") == "true",
                editable=previous.editable or _text(grant, "editable") == "true",
            )
    return access


def apply_metadata(
    schema: OrgSchema, metadata_dir: Path, omit_fields: tuple[str, ...]
) -> None:
    """Add the deployed custom fields the integration user can see to the schema."""
    if not metadata_dir.is_dir():
        raise EmulatorError(
            f"Salesforce metadata directory not found: {metadata_dir}; point the "
            "emulator at the force-app/main/default folder of deploy/salesforce "
            "with `mkp emulator serve --metadata DIR` or MKP_EMULATOR_METADATA"
        )
    access = _read_permissions(metadata_dir)
    omitted = {name.lower() for name in omit_fields}

    for path in sorted(metadata_dir.glob("objects/*/fields/*.field-meta.xml")):
        sobject = schema.get(path.parent.parent.name)
        if sobject is None:
            continue
        field = _parse_field(path)
        qualified = f"{sobject.name}.{field.name}".lower()
        grant = access.get(qualified)
        if qualified in omitted or grant is None or not grant.readable:
            logger.debug("Custom field %s is not visible to the integration user",
                         qualified)  # fmt: skip
            continue
        if not grant.editable:
            field = dataclasses.replace(field, updateable=False, createable=False)
        sobject.fields.insert(len(sobject.fields) - 4, field)
        sobject.__post_init__()
