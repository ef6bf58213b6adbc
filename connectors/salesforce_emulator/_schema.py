"""What the emulated org knows about its sObjects and their fields.

Standard objects are described here; the product's custom fields and the
integration user's field permissions are read from the Salesforce DX source
(``_metadata``) so the two can never drift apart.
"""

from __future__ import annotations

import dataclasses
import enum

from connectors.salesforce_emulator._errors import QueryError

__all__ = [
    "STAGES",
    "FieldDef",
    "FieldType",
    "OrgSchema",
    "SObjectDef",
    "Stage",
]


class FieldType(enum.StrEnum):
    """Salesforce field types, as ``describe`` names them."""

    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    INT = "int"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    REFERENCE = "reference"

    @property
    def is_text(self) -> bool:
        return self in _TEXT_TYPES

    @property
    def is_number(self) -> bool:
        return self in (FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT)


_TEXT_TYPES = frozenset(
    {
        FieldType.ID,
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.REFERENCE,
    }
)


@dataclasses.dataclass(frozen=True)
class FieldDef:
    """One field of an sObject, with what the integration user may do with it."""

    name: str
    type: FieldType
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    updateable: bool = True
    createable: bool = True
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: str | None = None
    relationship_name: str | None = None
    custom: bool = False
    long_text: bool = False

    @property
    def filterable(self) -> bool:
        """Long text areas cannot appear in WHERE or ORDER BY."""
        return not self.long_text


@dataclasses.dataclass
class SObjectDef:
    """An sObject type: its key prefix and fields in describe order."""

    name: str
    label: str
    key_prefix: str
    fields: list[FieldDef]

    def __post_init__(self) -> None:
        self._by_name = {f.name.lower(): f for f in self.fields}
        self._by_relationship = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name
        }

    def field(self, name: str) -> FieldDef | None:
        """The field of that API name, compared case-insensitively."""
        return self._by_name.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field behind a relationship name such as ``Owner``."""
        return self._by_relationship.get(name.lower())

    def drop(self, name: str) -> None:
        """Remove a field, as if it had never been deployed."""
        self.fields = [f for f in self.fields if f.name.lower() != name.lower()]
        self.__post_init__()

    def replace(self, field: FieldDef) -> None:
        """Swap in a changed definition of an existing field."""
        self.fields = [field if f.name == field.name else f for f in self.fields]
        self.__post_init__()


@dataclasses.dataclass(frozen=True)
class Stage:
    """A standard opportunity stage and what it implies."""

    name: str
    probability: float
    forecast_category: str
    is_closed: bool
    is_won: bool


STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage("Prospecting", 10.0, "Pipeline", False, False),
        Stage("Qualification", 10.0, "Pipeline", False, False),
        Stage("Needs Analysis", 20.0, "Pipeline", False, False),
        Stage("Value Proposition", 50.0, "Pipeline", False, False),
        Stage("Id. Decision Makers", 60.0, "Pipeline", False, False),
        Stage("Perception Analysis", 70.0, "Pipeline", False, False),
        Stage("Proposal/Price Quote", 75.0, "Pipeline", False, False),
        Stage("Negotiation/Review", 90.0, "Pipeline", False, False),
        Stage("Closed Won", 100.0, "Closed", True, True),
        Stage("Closed Lost", 0.0, "Omitted", True, False),
    )
}

FORECAST_CATEGORY_NAMES = {
    "Omitted": "Omitted",
    "Pipeline": "Pipeline",
    "BestCase": "Best Case",
    "Forecast": "Commit",
    "Closed": "Closed",
}

LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)

F = FieldType


def _system_fields() -> list[FieldDef]:
    return [
        FieldDef("IsDeleted", F.BOOLEAN, "Deleted", nillable=False, updateable=False,
                 createable=False),
        FieldDef("CreatedDate", F.DATETIME, "Created Date", nillable=False,
                 updateable=False, createable=False),
        FieldDef("LastModifiedDate", F.DATETIME, "Last Modified Date", nillable=False,
                 updateable=False, createable=False),
        FieldDef("SystemModstamp", F.DATETIME, "System Modstamp", nillable=False,
                 updateable=False, createable=False),
    ]  # fmt: skip


def _id() -> FieldDef:
    return FieldDef("Id", F.ID, "Record ID", 18, nillable=False, updateable=False,
                    createable=False)  # fmt: skip


def _owner() -> FieldDef:
    return FieldDef("OwnerId", F.REFERENCE, "Owner ID", 18, nillable=False,
                    reference_to="User", relationship_name="Owner")  # fmt: skip


def _currency_code() -> FieldDef:
    return FieldDef("CurrencyIsoCode", F.PICKLIST, "Currency ISO Code", 3,
                    nillable=False)  # fmt: skip


def _firmographics() -> list[FieldDef]:
    return [
        FieldDef("Industry", F.PICKLIST, "Industry", 255),
        FieldDef("AnnualRevenue", F.CURRENCY, "Annual Revenue", precision=18),
        FieldDef("NumberOfEmployees", F.INT, "Employees", precision=8),
    ]


def _account() -> SObjectDef:
    return SObjectDef("Account", "Account", "001", [
        _id(),
        FieldDef("Name", F.STRING, "Account Name", 255, nillable=False),
        FieldDef("Type", F.PICKLIST, "Account Type", 255),
        FieldDef("ParentId", F.REFERENCE, "Parent Account ID", 18,
                 reference_to="Account", relationship_name="Parent"),
        *_firmographics(),
        FieldDef("Description", F.TEXTAREA, "Account Description", 32000,
                 long_text=True),
        _owner(),
        *_system_fields(),
    ])  # fmt: skip


def _opportunity() -> SObjectDef:
    return SObjectDef("Opportunity", "Opportunity", "006", [
        _id(),
        FieldDef("AccountId", F.REFERENCE, "Account ID", 18, reference_to="Account",
                 relationship_name="Account"),
        FieldDef("Name", F.STRING, "Name", 120, nillable=False),
        FieldDef("StageName", F.PICKLIST, "Stage", 255, nillable=False,
                 picklist=tuple(STAGES), restricted=True),
        FieldDef("Amount", F.CURRENCY, "Amount", precision=18, scale=2),
        FieldDef("Probability", F.PERCENT, "Probability (%)", precision=3),
        FieldDef("CloseDate", F.DATE, "Close Date", nillable=False),
        FieldDef("Type", F.PICKLIST, "Opportunity Type", 255),
        FieldDef("IsClosed", F.BOOLEAN, "Closed", nillable=False, updateable=False,
                 createable=False),
        FieldDef("IsWon", F.BOOLEAN, "Won", nillable=False, updateable=False,
                 createable=False),
        FieldDef("ForecastCategory", F.PICKLIST, "Forecast Category", 40,
                 nillable=False, updateable=False, createable=False,
                 picklist=tuple(FORECAST_CATEGORY_NAMES), restricted=True),
        FieldDef("ForecastCategoryName", F.PICKLIST, "Forecast Category", 255,
                 picklist=tuple(FORECAST_CATEGORY_NAMES.values())),
        _owner(),
        *_system_fields(),
    ])  # fmt: skip


def _lead() -> SObjectDef:
    return SObjectDef("Lead", "Lead", "00Q", [
        _id(),
        FieldDef("FirstName", F.STRING, "First Name", 40),
        FieldDef("LastName", F.STRING, "Last Name", 80, nillable=False),
        FieldDef("Name", F.STRING, "Full Name", 121, nillable=False,
                 updateable=False, createable=False),
        FieldDef("Company", F.STRING, "Company", 255, nillable=False),
        *_firmographics(),
        FieldDef("Status", F.PICKLIST, "Status", 255, nillable=False,
                 picklist=LEAD_STATUSES, restricted=True),
        FieldDef("IsConverted", F.BOOLEAN, "Converted", nillable=False,
                 updateable=False, createable=False),
        _owner(),
        *_system_fields(),
    ])  # fmt: skip


def _user() -> SObjectDef:
    return SObjectDef("User", "User", "005", [
        _id(),
        FieldDef("FirstName", F.STRING, "First Name", 40),
        FieldDef("LastName", F.STRING, "Last Name", 80, nillable=False),
        FieldDef("Name", F.STRING, "Full Name", 121, nillable=False,
                 updateable=False, createable=False),
        FieldDef("Username", F.STRING, "Username", 80),
        FieldDef("Email", F.STRING, "Email", 128),
        FieldDef("IsActive", F.BOOLEAN, "Active", nillable=False),
        *_system_fields(),
    ])  # fmt: skip


def _currency_type() -> SObjectDef:
    return SObjectDef("CurrencyType", "Currency Type", "02U", [
        _id(),
        FieldDef("IsoCode", F.PICKLIST, "Currency ISO Code", 3, nillable=False),
        FieldDef("ConversionRate", F.DOUBLE, "Conversion Rate", precision=18,
                 scale=6, nillable=False),
        FieldDef("DecimalPlaces", F.INT, "Decimal Places", precision=2),
        FieldDef("IsActive", F.BOOLEAN, "Active", nillable=False),
        FieldDef("IsCorporate", F.BOOLEAN, "Corporate Currency", nillable=False,
                 updateable=False),
        *_system_fields(),
    ])  # fmt: skip


def _dated_conversion_rate() -> SObjectDef:
    return SObjectDef("DatedConversionRate", "Dated Conversion Rate", "04w", [
        _id(),
        FieldDef("IsoCode", F.PICKLIST, "Currency ISO Code", 3, nillable=False),
        FieldDef("ConversionRate", F.DOUBLE, "Conversion Rate", precision=18,
                 scale=6, nillable=False),
        FieldDef("StartDate", F.DATE, "Start Date", nillable=False),
        FieldDef("NextStartDate", F.DATE, "Next Start Date", updateable=False,
                 createable=False),
        *_system_fields(),
    ])  # fmt: skip


# Defaults applied on create when the caller leaves a required field out.
BOOLEAN_DEFAULTS: dict[str, bool] = {
    "IsDeleted": False,
    "IsClosed": False,
    "IsWon": False,
    "IsConverted": False,
    "IsActive": True,
    "IsCorporate": False,
}


class OrgSchema:
    """All sObjects of the emulated org, looked up case-insensitively."""

    def __init__(self, *, multi_currency: bool) -> None:
        objects = [_account(), _opportunity(), _lead(), _user()]
        if multi_currency:
            objects += [_currency_type(), _dated_conversion_rate()]
            for sobject in objects[:3]:
                sobject.fields.insert(len(sobject.fields) - 4, _currency_code())
                sobject.__post_init__()
        self.multi_currency = multi_currency
        self._objects = {o.name.lower(): o for o in objects}

    def get(self, name: str) -> SObjectDef | None:
        """The sObject of that name, or None."""
        return self._objects.get(name.lower())

    def require(self, name: str) -> SObjectDef:
        """The sObject of that name, or the INVALID_TYPE error Salesforce gives."""
        sobject = self.get(name)
        if sobject is None:
            raise QueryError(
                "INVALID_TYPE",
                f"sObject type '{name}' is not supported. If you are attempting "
                "to use a custom object, be sure to append the '__c' after the "
                "entity name. Please reference your WSDL or the describe call "
                "for the appropriate names.",
            )
        return sobject

    def objects(self) -> list[SObjectDef]:
        """Every sObject, in a stable order."""
        return list(self._objects.values())

    def by_prefix(self, record_id: str) -> SObjectDef | None:
        """The sObject whose key prefix starts this id."""
        return next(
            (o for o in self._objects.values() if record_id.startswith(o.key_prefix)),
            None,
        )
