"""Turn a parsed SOQL statement into SQLite statements over the org's tables.

Values always travel as bound parameters; identifiers come from the schema,
never from the statement text. Parent paths (``Owner.Name``) become LEFT
JOINs, one per relationship path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import cast

from connectors.salesforce_emulator._dates import date_literal_range
from connectors.salesforce_emulator._errors import QueryError
from connectors.salesforce_emulator._ids import normalize_id
from connectors.salesforce_emulator._schema import (
    FieldDef,
    FieldType,
    OrgSchema,
    SObjectDef,
)
from connectors.salesforce_emulator._soql import (
    BoolOp,
    Comparison,
    Condition,
    FieldRef,
    Literal,
    Not,
    Query,
    query_error,
)
from connectors.salesforce_emulator._store import quote
from connectors.salesforce_emulator._values import format_datetime, parse_datetime

__all__ = ["OutField", "OutParent", "Plan", "compile_query"]


@dataclasses.dataclass
class OutField:
    """A selected value: its key in the record and its result column."""

    key: str
    header: str
    field: FieldDef
    column: int
    currency_column: int | None = None


@dataclasses.dataclass
class OutParent:
    """A parent record nested under its relationship name."""

    key: str
    sobject: str
    id_column: int
    children: list[OutField | OutParent] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Plan:
    """A compiled statement: how to find the matching rows and shape each one."""

    sobject: SObjectDef
    from_sql: str
    where_sql: str
    params: list[object]
    order_sql: str
    limit: int | None
    offset: int
    columns: list[str]
    tree: list[OutField | OutParent]
    fields: list[OutField]
    count_only: bool
    long_text_fields: int
    id_column: int


@dataclasses.dataclass(frozen=True)
class _Resolved:
    sql: str
    field: FieldDef
    alias: str
    # (relationship name, parent sObject, join alias), outermost first
    relationships: tuple[tuple[str, str, str], ...]


class _Compiler:
    def __init__(self, query: Query, schema: OrgSchema, today: dt.date) -> None:
        self.query = query
        self.schema = schema
        self.today = today
        base = schema.get(query.sobject)
        if base is None:
            raise query_error(
                "INVALID_TYPE",
                query.text,
                query.sobject_offset,
                f"sObject type '{query.sobject}' is not supported. If you are "
                "attempting to use a custom object, be sure to append the '__c' "
                "after the entity name. Please reference your WSDL or the "
                "describe call for the appropriate names.",
            )
        self.base: SObjectDef = base
        self.joins: dict[tuple[str, ...], str] = {}
        self.join_sql: list[str] = []
        self.columns: list[str] = []
        self.params: list[object] = []

    def error(self, ref: FieldRef | Literal, code: str, detail: str) -> QueryError:
        return query_error(code, self.query.text, ref.offset, detail)

    def resolve(self, ref: FieldRef) -> _Resolved:
        path = list(ref.path)
        own_name = path[0].lower() == self.base.name.lower()
        if len(path) > 1 and own_name and self.base.relationship(path[0]) is None:
            path = path[1:]
        sobject, alias = self.base, "t0"
        key: tuple[str, ...] = ()
        relationships: list[tuple[str, str, str]] = []
        for name in path[:-1]:
            lookup = sobject.relationship(name)
            if lookup is None or lookup.reference_to is None:
                raise self.error(
                    ref,
                    "INVALID_FIELD",
                    f"Didn't understand relationship '{name}' in field path. If you "
                    "are attempting to use a custom relationship, be sure to append "
                    "the '__r' after the custom relationship name. Please reference "
                    "your WSDL or the describe call for the appropriate names.",
                )
            target = self.schema.require(lookup.reference_to)
            key = (*key, name.lower())
            alias = self.join(key, alias, lookup, target)
            relationships.append((lookup.relationship_name or name, target.name, alias))
            sobject = target
        field = sobject.field(path[-1])
        if field is None:
            raise self.error(
                ref,
                "INVALID_FIELD",
                f"No such column '{path[-1]}' on entity '{sobject.name}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after "
                "the custom field name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        sql = f"{alias}.{quote(field.name)}"
        return _Resolved(sql, field, alias, tuple(relationships))

    def join(
        self,
        key: tuple[str, ...],
        parent_alias: str,
        lookup: FieldDef,
        target: SObjectDef,
    ) -> str:
        if key not in self.joins:
            alias = f"t{len(self.joins) + 1}"
            self.joins[key] = alias
            self.join_sql.append(
                f'LEFT JOIN {quote(target.name)} {alias} ON {alias}."Id" = '
                f"{parent_alias}.{quote(lookup.name)}"
            )
        return self.joins[key]

    def column(self, sql: str) -> int:
        if sql not in self.columns:
            self.columns.append(sql)
        return self.columns.index(sql)

    def select(self) -> tuple[list[OutField | OutParent], list[OutField]]:
        tree: list[OutField | OutParent] = []
        flat: list[OutField] = []
        for item in self.query.items:
            resolved = self.resolve(item.field)
            currency_column = None
            if item.convert_currency:
                currency_column = self.convert_currency(item.field, resolved)
            level = tree
            for name, sobject, alias in resolved.relationships:
                level = self.parent(level, name, sobject, alias)
            key = item.alias or resolved.field.name
            header = ".".join([*(r[0] for r in resolved.relationships), key])
            out = OutField(key, header, resolved.field, self.column(resolved.sql),
                           currency_column)  # fmt: skip
            if not any(isinstance(n, OutField) and n.key == key for n in level):
                level.append(out)
                flat.append(out)
        return tree, flat

    def parent(
        self, level: list[OutField | OutParent], name: str, sobject: str, alias: str
    ) -> list[OutField | OutParent]:
        for node in level:
            if isinstance(node, OutParent) and node.key == name:
                return node.children
        node = OutParent(name, sobject, self.column(f'{alias}."Id"'))
        level.append(node)
        return node.children

    def convert_currency(self, ref: FieldRef, resolved: _Resolved) -> int | None:
        if resolved.field.type is not FieldType.CURRENCY:
            raise self.error(
                ref,
                "INVALID_FIELD",
                f"convertCurrency can only be used on currency fields: "
                f"{resolved.field.name}",
            )
        if not self.schema.multi_currency:
            return None
        return self.column(f'{resolved.alias}."CurrencyIsoCode"')

    def condition(self, node: Condition) -> str:
        if isinstance(node, BoolOp):
            return (
                "(" + f" {node.op} ".join(self.condition(i) for i in node.items) + ")"
            )
        if isinstance(node, Not):
            return f"(NOT {self.condition(node.item)})"
        return self.comparison(node)

    def comparison(self, node: Comparison) -> str:
        resolved = self.resolve(node.field)
        field, sql = resolved.field, resolved.sql
        if not field.filterable:
            raise self.error(
                node.field,
                "INVALID_FIELD",
                f"field '{field.name}' can not be filtered in a query call",
            )
        if node.op == "LIKE":
            if not field.type.is_text or field.type in (
                FieldType.ID,
                FieldType.REFERENCE,
            ):
                detail = f"invalid operator on field '{field.name}'"
                raise self.error(node.field, "INVALID_FIELD", detail)
            self.params.append(node.values[0].like)
            return f"IFNULL({sql} LIKE ? ESCAPE '\\', 0)"
        if node.op in ("IN", "NOT IN"):
            values = [self.value(field, v, node.field) for v in node.values]
            return self.membership(sql, node.op, values)
        literal = node.values[0]
        if literal.kind == "date_literal":
            return self.date_range(sql, node.op, field, literal)
        return self.compare(sql, node.op, self.value(field, literal, node.field))

    def compare(self, sql: str, op: str, value: object) -> str:
        if value is None:
            if op not in ("=", "!="):
                return "0"
            return f"({sql} IS {'NOT ' if op == '!=' else ''}NULL)"
        self.params.append(value)
        if op == "!=":
            return f"({sql} IS NOT ?)"
        return f"IFNULL({sql} {op} ?, 0)"

    def membership(self, sql: str, op: str, values: list[object]) -> str:
        present = [v for v in values if v is not None]
        self.params.extend(present)
        marks = ", ".join("?" * len(present)) or "NULL"
        has_null = len(present) != len(values)
        if op == "IN":
            null_part = f" OR {sql} IS NULL" if has_null else ""
            return f"(IFNULL({sql} IN ({marks}), 0){null_part})"
        null_part = f" AND {sql} IS NOT NULL" if has_null else ""
        return f"(({sql} IS NULL OR {sql} NOT IN ({marks})){null_part})"

    def date_range(self, sql: str, op: str, field: FieldDef, literal: Literal) -> str:
        name, n = cast(tuple[str, int | None], literal.value)
        days = date_literal_range(name, n, self.today)
        if days is None or field.type not in (FieldType.DATE, FieldType.DATETIME):
            raise self.error(literal, "MALFORMED_QUERY", f"unexpected token: '{name}'")
        start, end = (self.bound(field, d) for d in days)
        bounds = {
            "=": (f"({sql} >= ? AND {sql} < ?)", [start, end]),
            "!=": (f"({sql} IS NULL OR {sql} < ? OR {sql} >= ?)", [start, end]),
            "<": (f"{sql} < ?", [start]),
            "<=": (f"{sql} < ?", [end]),
            ">": (f"{sql} >= ?", [end]),
            ">=": (f"{sql} >= ?", [start]),
        }
        clause, params = bounds[op]
        self.params.extend(params)
        return f"IFNULL({clause}, 0)"

    def bound(self, field: FieldDef, day: dt.date) -> str:
        if field.type is FieldType.DATE:
            return day.isoformat()
        return format_datetime(dt.datetime.combine(day, dt.time(), dt.UTC))

    def value(self, field: FieldDef, literal: Literal, ref: FieldRef) -> object:
        if literal.kind == "null":
            return None
        kind = field.type
        if kind.is_text and literal.kind == "string":
            if kind in (FieldType.ID, FieldType.REFERENCE):
                return normalize_id(str(literal.value)) or literal.value
            return literal.value
        if (kind.is_number or kind is FieldType.INT) and literal.kind == "number":
            return literal.value
        if kind is FieldType.BOOLEAN and literal.kind == "boolean":
            return int(bool(literal.value))
        if kind is FieldType.DATE and literal.kind == "date":
            return literal.value
        if kind is FieldType.DATETIME and literal.kind == "datetime":
            parsed = parse_datetime(str(literal.value))
            if parsed is not None:
                return format_datetime(parsed)
        raise self.type_error(field, literal)

    def type_error(self, field: FieldDef, literal: Literal) -> QueryError:
        soap_type = {
            FieldType.DOUBLE: "double",
            FieldType.CURRENCY: "double",
            FieldType.PERCENT: "double",
            FieldType.INT: "int",
            FieldType.BOOLEAN: "boolean",
            FieldType.DATE: "date",
            FieldType.DATETIME: "dateTime",
        }.get(field.type, "string")
        quoting = (
            "should be enclosed in quotes"
            if soap_type == "string"
            else "should not be enclosed in quotes"
        )
        return self.error(
            literal,
            "INVALID_FIELD",
            f"value of filter criterion for field '{field.name}' must be of type "
            f"{soap_type} and {quoting}",
        )

    def order(self) -> str:
        parts = []
        for item in self.query.order:
            resolved = self.resolve(item.field)
            if not resolved.field.filterable:
                raise self.error(
                    item.field,
                    "INVALID_FIELD",
                    f"field '{resolved.field.name}' can not be sorted in a query call",
                )
            direction = "DESC" if item.descending else "ASC"
            nulls = "FIRST" if item.nulls_first else "LAST"
            parts.append(f"{resolved.sql} {direction} NULLS {nulls}")
        parts.append("t0.rowid")
        return ", ".join(parts)


def compile_query(
    query: Query, schema: OrgSchema, *, include_deleted: bool, today: dt.date
) -> Plan:
    """Check a parsed statement against the schema and build its SQL."""
    compiler = _Compiler(query, schema, today)
    id_column = compiler.column('t0."Id"')
    tree, flat = compiler.select()
    where = compiler.condition(query.where) if query.where is not None else "1"
    if not include_deleted:
        where = f't0."IsDeleted" = 0 AND {where}'
    order = compiler.order()
    from_sql = " ".join([f"FROM {quote(compiler.base.name)} t0", *compiler.join_sql])

    return Plan(
        sobject=compiler.base,
        from_sql=from_sql,
        where_sql=where,
        params=compiler.params,
        order_sql=order,
        limit=query.limit,
        offset=query.offset or 0,
        columns=compiler.columns,
        tree=tree,
        fields=flat,
        count_only=query.count_only,
        long_text_fields=sum(1 for f in flat if f.field.long_text),
        id_column=id_column,
    )
