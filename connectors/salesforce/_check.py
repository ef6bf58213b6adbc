"""Whether the configured fields exist and are writable, from describe results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.base import FieldProblem
from connectors.salesforce.settings import SalesforceSettings
from mkp_core import RecordKind

__all__ = ["field_problems"]

MISSING = (
    "missing or not visible to the integration user: deploy the MKP fields "
    "from deploy/salesforce/ and assign the MKP permission set"
)
READ_ONLY = (
    "not updateable by the integration user: grant edit in the MKP permission set"
)


def field_problems(
    kind: RecordKind,
    described: Iterable[Mapping[str, Any]],
    settings: SalesforceSettings,
) -> list[FieldProblem]:
    """Problems with the output fields (must be updateable) and the override
    field (must be readable) among one object's described fields."""
    fields = {str(f.get("name", "")).lower(): f for f in described}
    override = settings.potential_override_field
    problems = (
        [] if override.lower() in fields else [FieldProblem(kind, override, MISSING)]
    )
    for api in settings.fields.values():
        field = fields.get(api.lower())
        if field is None:
            problems.append(FieldProblem(kind, api, MISSING))
        elif not field.get("updateable"):
            problems.append(FieldProblem(kind, api, READ_ONLY))

    return problems
