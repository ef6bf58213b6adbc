"""Describe results: what the integration user may see and do per sObject."""

from __future__ import annotations

from typing import Any

from connectors.salesforce_emulator._schema import (
    FieldDef,
    FieldType,
    OrgSchema,
    SObjectDef,
)

__all__ = ["describe_global", "describe_sobject"]

_SOAP_TYPES = {
    FieldType.ID: "tns:ID",
    FieldType.REFERENCE: "tns:ID",
    FieldType.DOUBLE: "xsd:double",
    FieldType.CURRENCY: "xsd:double",
    FieldType.PERCENT: "xsd:double",
    FieldType.INT: "xsd:int",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
}


def _field(field: FieldDef) -> dict[str, Any]:
    return {
        "name": field.name,
        "label": field.label or field.name,
        "type": str(field.type),
        "soapType": _SOAP_TYPES.get(field.type, "xsd:string"),
        "length": field.length if field.type.is_text else 0,
        "byteLength": field.length * 3 if field.type.is_text else 0,
        "precision": field.precision if field.type.is_number else 0,
        "scale": field.scale if field.type.is_number else 0,
        "digits": field.precision if field.type is FieldType.INT else 0,
        "nillable": field.nillable,
        "updateable": field.updateable,
        "createable": field.createable,
        "custom": field.custom,
        "calculated": False,
        "filterable": field.filterable,
        "sortable": field.filterable,
        "groupable": field.filterable and field.type.is_text,
        "defaultedOnCreate": field.name in ("OwnerId", "IsDeleted", "CreatedDate"),
        "externalId": False,
        "unique": False,
        "idLookup": field.name == "Id",
        "nameField": field.name == "Name",
        "htmlFormatted": False,
        "restrictedPicklist": field.restricted,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": False,
                "label": value,
                "validFor": None,
                "value": value,
            }
            for value in field.picklist
        ],
        "referenceTo": [field.reference_to] if field.reference_to else [],
        "relationshipName": field.relationship_name,
        "extraTypeInfo": "plaintextarea" if field.long_text else None,
    }


def _urls(sobject: SObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{sobject.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def _summary(sobject: SObjectDef, version: str) -> dict[str, Any]:
    return {
        "name": sobject.name,
        "label": sobject.label,
        "labelPlural": sobject.label + "s",
        "keyPrefix": sobject.key_prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "retrieveable": True,
        "searchable": True,
        "urls": _urls(sobject, version),
    }


def describe_sobject(sobject: SObjectDef, version: str) -> dict[str, Any]:
    """The ``sobjects/<Object>/describe`` body."""
    return {
        **_summary(sobject, version),
        "fields": [_field(f) for f in sobject.fields],
        "childRelationships": [],
        "recordTypeInfos": [],
    }


def describe_global(schema: OrgSchema, version: str) -> dict[str, Any]:
    """The ``sobjects/`` body."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_summary(s, version) for s in schema.objects()],
    }
