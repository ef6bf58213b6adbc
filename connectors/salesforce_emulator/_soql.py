"""A tokenizer and recursive-descent parser for the SOQL subset the org answers.

Grammar::

    query      = SELECT items FROM name [WHERE condition]
                 [ORDER BY order {"," order}] [LIMIT int] [OFFSET int]
    items      = "COUNT" "(" ")" | item {"," item}
    item       = path | "convertCurrency" "(" path ")" [alias]
    condition  = term {OR term};  term = factor {AND factor}
    factor     = NOT factor | "(" condition ")" | comparison
    comparison = path op value | path [NOT] IN "(" value {"," value} ")"
               | path LIKE string
    value      = string | number | date | datetime | NULL | TRUE | FALSE
               | DATE_LITERAL [":" int]

Anything outside it is refused with MALFORMED_QUERY and the row and column of
the first token that does not fit, the way Salesforce reports it.
"""

from __future__ import annotations

import dataclasses
import re

from connectors.salesforce_emulator._errors import QueryError

__all__ = [
    "BoolOp",
    "Comparison",
    "Condition",
    "FieldRef",
    "Literal",
    "Not",
    "OrderItem",
    "Query",
    "SelectItem",
    "parse",
    "query_error",
]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>-?(?:\d+(?:\.\d*)?|\.\d+))
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),.:])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}

# Words that end an expression; a name in their place is never a field.
_RESERVED = frozenset(
    {
        *("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER"),
        *("BY", "ASC", "DESC", "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET"),
        *("NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "FOR", "USING"),
        *("TYPEOF", "INCLUDES", "EXCLUDES"),
    }
)


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclasses.dataclass(frozen=True)
class FieldRef:
    """A dotted field path such as ``Owner.Name``, with where it was written."""

    path: tuple[str, ...]
    offset: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclasses.dataclass(frozen=True)
class Literal:
    """A value in a WHERE clause. ``kind`` is string, number, date, datetime,
    null, boolean or date_literal; ``like`` is a string's LIKE pattern form."""

    kind: str
    value: object
    offset: int
    like: str = ""


@dataclasses.dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < > <= >= IN NOT IN LIKE
    values: tuple[Literal, ...]


@dataclasses.dataclass(frozen=True)
class BoolOp:
    op: str  # AND / OR
    items: tuple[Condition, ...]


@dataclasses.dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | BoolOp | Not


@dataclasses.dataclass(frozen=True)
class SelectItem:
    field: FieldRef
    convert_currency: bool = False
    alias: str | None = None


@dataclasses.dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclasses.dataclass(frozen=True)
class Query:
    """A parsed statement; ``items`` is empty for ``SELECT COUNT()``."""

    text: str
    items: tuple[SelectItem, ...]
    sobject: str
    sobject_offset: int
    where: Condition | None
    order: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None

    @property
    def count_only(self) -> bool:
        return not self.items


def query_error(code: str, soql: str, offset: int, detail: str) -> QueryError:
    """A query error whose message points at the offending place like Salesforce's."""
    before = soql[:offset]
    row = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    line = soql.splitlines()[row - 1] if soql.strip() else ""
    caret = " " * (column - 1) + "^"
    return QueryError(
        code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}"
    )


def _tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(soql):
        match = _TOKEN.match(soql, position)
        if match is None:
            raise query_error(
                "MALFORMED_QUERY",
                soql,
                position,
                f"unexpected token: '{soql[position]}'",
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(soql)))
    return tokens


def _string_literal(soql: str, token: Token) -> Literal:
    body = token.text[1:-1]
    value: list[str] = []
    like: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            value.append(char)
            like.append("\\\\" if char == "\\" else char)
            index += 1
            continue
        escaped = body[index + 1]
        if escaped in "%_":
            value.append(escaped)
            like.append("\\" + escaped)
        elif escaped.lower() in _ESCAPES or escaped in _ESCAPES:
            decoded = _ESCAPES.get(escaped.lower(), _ESCAPES.get(escaped, ""))
            value.append(decoded)
            like.append("\\\\" if decoded == "\\" else decoded)
        else:
            raise query_error(
                "MALFORMED_QUERY",
                soql,
                token.offset + index + 1,
                f"Invalid string literal '{token.text}'. Illegal character "
                f"sequence '\\{escaped}' in string literal.",
            )
        index += 2
    return Literal("string", "".join(value), token.offset, "".join(like))


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = _tokenize(soql)
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def fail(self, token: Token | None = None) -> QueryError:
        token = token or self.current
        detail = (
            "unexpected token: <EOF>"
            if token.kind == "end"
            else f"unexpected token: '{token.text}'"
        )
        return query_error("MALFORMED_QUERY", self.soql, token.offset, detail)

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "name" and self.current.upper in words

    def keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.fail()
        return self.advance()

    def punct(self, text: str) -> Token:
        if self.current.text != text or self.current.kind != "punct":
            raise self.fail()
        return self.advance()

    def accept_punct(self, text: str) -> bool:
        if self.current.kind == "punct" and self.current.text == text:
            self.advance()
            return True
        return False

    def name(self) -> Token:
        if self.current.kind != "name" or self.current.upper in _RESERVED:
            raise self.fail()
        return self.advance()

    def integer(self) -> int:
        token = self.current
        if token.kind != "number" or not token.text.isdigit():
            raise self.fail()
        self.advance()
        return int(token.text)

    def path(self) -> FieldRef:
        first = self.name()
        parts = [first.text]
        while self.accept_punct("."):
            parts.append(self.name().text)
        return FieldRef(tuple(parts), first.offset)

    def parse(self) -> Query:
        self.keyword("SELECT")
        items = self.select_items()
        self.keyword("FROM")
        sobject = self.name()
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.condition()
        order = self.order_by()
        limit = offset = None
        if self.at_keyword("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.at_keyword("OFFSET"):
            self.advance()
            offset = self.integer()
        if self.current.kind != "end":
            raise self.fail()
        return Query(
            self.soql, items, sobject.text, sobject.offset, where, order, limit, offset
        )

    def select_items(self) -> tuple[SelectItem, ...]:
        if self.at_keyword("COUNT") and self.tokens[self.position + 1].text == "(":
            self.advance()
            self.punct("(")
            self.punct(")")
            return ()
        items = [self.select_item()]
        while self.accept_punct(","):
            items.append(self.select_item())
        return tuple(items)

    def select_item(self) -> SelectItem:
        if self.current.kind == "name" and self.tokens[self.position + 1].text == "(":
            function = self.advance()
            if function.upper != "CONVERTCURRENCY":
                raise self.fail(function)
            self.punct("(")
            field = self.path()
            self.punct(")")
            alias = None
            if self.current.kind == "name" and self.current.upper not in _RESERVED:
                alias = self.advance().text
            return SelectItem(field, convert_currency=True, alias=alias)
        return SelectItem(self.path())

    def condition(self) -> Condition:
        items = [self.term()]
        while self.at_keyword("OR"):
            self.advance()
            items.append(self.term())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def term(self) -> Condition:
        items = [self.factor()]
        while self.at_keyword("AND"):
            self.advance()
            items.append(self.factor())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def factor(self) -> Condition:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.factor())
        if self.accept_punct("("):
            inner = self.condition()
            self.punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.path()
        token = self.current
        if token.kind == "op":
            self.advance()
            op = "!=" if token.text == "<>" else token.text
            return Comparison(field, op, (self.value(),))
        if self.at_keyword("LIKE"):
            self.advance()
            value = self.value()
            if value.kind != "string":
                raise self.fail(self.tokens[self.position - 1])
            return Comparison(field, "LIKE", (value,))
        negated = self.at_keyword("NOT")
        if negated:
            self.advance()
        self.keyword("IN")
        return Comparison(field, "NOT IN" if negated else "IN", self.value_list())

    def value_list(self) -> tuple[Literal, ...]:
        self.punct("(")
        if self.at_keyword("SELECT"):
            raise self.fail()
        values = [self.value()]
        while self.accept_punct(","):
            values.append(self.value())
        self.punct(")")
        return tuple(values)

    def value(self) -> Literal:
        token = self.advance()
        if token.kind == "string":
            return _string_literal(self.soql, token)
        if token.kind == "number":
            return Literal("number", float(token.text), token.offset)
        if token.kind in ("date", "datetime"):
            return Literal(token.kind, token.text, token.offset)
        if token.kind != "name":
            raise self.fail(token)
        if token.upper == "NULL":
            return Literal("null", None, token.offset)
        if token.upper in ("TRUE", "FALSE"):
            return Literal("boolean", token.upper == "TRUE", token.offset)
        if self.accept_punct(":"):
            return Literal("date_literal", (token.upper, self.integer()), token.offset)
        return Literal("date_literal", (token.upper, None), token.offset)

    def order_by(self) -> tuple[OrderItem, ...]:
        if not self.at_keyword("ORDER"):
            return ()
        self.advance()
        self.keyword("BY")
        items = [self.order_item()]
        while self.accept_punct(","):
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.path()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
        nulls_first = not descending
        if self.at_keyword("NULLS"):
            self.advance()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.fail()
            nulls_first = self.advance().upper == "FIRST"
        return OrderItem(field, descending, nulls_first)


def parse(soql: str) -> Query:
    """Parse one SOQL statement or raise the QueryError Salesforce would send."""
    return _Parser(soql).parse()
