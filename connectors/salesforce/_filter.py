"""Validation of the configured extra account filter (a SOQL WHERE condition).

The filter comes from configuration and is pasted into every account query,
so it is parsed, not pattern-matched: a small tokenizer and a recursive
descent parser accept only comparisons of a field with a literal, combined
with AND, OR, NOT and parentheses. Anything else (a second statement, a
comment, a subquery, a comparison of two constants such as ``1=1``) is
refused with a ConfigurationError that names the problem and its position.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from connectors.errors import ConfigurationError

__all__ = ["through_relationship", "validate_filter"]

MAX_FILTER_CHARS = 4000


class _Kind(enum.StrEnum):
    STRING = "string"
    DATETIME = "datetime"
    DATE = "date"
    NUMBER = "number"
    OPERATOR = "operator"
    OPEN = "("
    CLOSE = ")"
    COMMA = ","
    WORD = "word"


@dataclasses.dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    position: int


_TOKEN_PATTERNS: tuple[tuple[_Kind, re.Pattern[str]], ...] = (
    (_Kind.STRING, re.compile(r"'(?:[^'\\\r\n]|\\[nrtbf\"'\\_%]|\\u[0-9a-fA-F]{4})*'")),
    (
        _Kind.DATETIME,
        re.compile(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})"
        ),
    ),
    (_Kind.DATE, re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")),
    (_Kind.NUMBER, re.compile(r"[+-]?\d+(?:\.\d+)?(?![\w.])")),
    (_Kind.OPERATOR, re.compile(r"!=|<>|<=|>=|=|<|>")),
    (_Kind.OPEN, re.compile(r"\(")),
    (_Kind.CLOSE, re.compile(r"\)")),
    (_Kind.COMMA, re.compile(r",")),
    (
        _Kind.WORD,
        re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*(?::\d+)?"),
    ),
)
_SPACE = re.compile(r"\s+")
_COMMENT_MARKERS = ("--", "/*", "*/", "//")
_CLAUSE_WORDS = frozenset(
    {
        "SELECT", "FROM", "WHERE", "LIMIT", "OFFSET", "ORDER", "GROUP", "BY",
        "HAVING", "UPDATE", "FOR", "WITH", "USING", "TYPEOF", "VIEW", "ROLLUP",
        "CUBE", "SECURITY_ENFORCED", "ALL", "ROWS",
    }
)  # fmt: skip
_LITERAL_WORDS = frozenset({"NULL", "TRUE", "FALSE"})
_OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "INCLUDES", "EXCLUDES"})
_CURRENCY_LITERAL = re.compile(r"[A-Z]{3}-?\d+(?:\.\d+)?")
_DATE_LITERAL = re.compile(
    r"(?:YESTERDAY|TODAY|TOMORROW|(?:LAST|THIS|NEXT)_(?:WEEK|MONTH|QUARTER|YEAR"
    r"|FISCAL_QUARTER|FISCAL_YEAR|90_DAYS)|(?:LAST|NEXT)_N_(?:DAYS|WEEKS|MONTHS"
    r"|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS|HOURS):\d+|N_(?:DAYS|WEEKS"
    r"|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO:\d+)",
    re.IGNORECASE,
)
_VALUE_KINDS = frozenset({_Kind.STRING, _Kind.DATETIME, _Kind.DATE, _Kind.NUMBER})
_SET_OPERATORS = frozenset({"IN", "INCLUDES", "EXCLUDES"})


def validate_filter(condition: str) -> str:
    """The condition, stripped, if it is a safe SOQL WHERE condition.

    Raises ConfigurationError naming the first problem found.
    """
    text = condition.strip()
    if not text:
        raise _problem("the filter is empty", 0)
    if len(text) > MAX_FILTER_CHARS:
        raise _problem(f"the filter is longer than {MAX_FILTER_CHARS} characters", 0)
    _Parser(_tokenize(text), len(text)).parse()
    return text


def through_relationship(condition: str, relationship: str) -> str:
    """The (valid) condition with every field reached through ``relationship``:
    ``Industry = 'A'`` on Account becomes ``Account.Industry = 'A'`` on
    Opportunity."""
    text = condition.strip()
    parser = _Parser(_tokenize(text), len(text))
    parser.parse()
    for field in reversed(parser.fields):
        text = f"{text[: field.position]}{relationship}.{text[field.position :]}"
    return text


def _problem(what: str, position: int) -> ConfigurationError:
    return ConfigurationError(
        f"account_filter is not a safe SOQL condition: {what} (at character "
        f"{position + 1}); allowed are field comparisons with literals joined by "
        "AND, OR, NOT and parentheses"
    )


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        space = _SPACE.match(text, position)
        if space:
            position = space.end()
            continue
        token = _next_token(text, position)
        tokens.append(token)
        position += len(token.text)
    return tokens


def _next_token(text: str, position: int) -> _Token:
    if text.startswith(_COMMENT_MARKERS, position):
        raise _problem("comments are not allowed", position)
    if text[position] == ";":
        raise _problem("';' would end the statement", position)
    for kind, pattern in _TOKEN_PATTERNS:
        match = pattern.match(text, position)
        if match and kind is _Kind.WORD and match.group().upper() in _CLAUSE_WORDS:
            raise _problem(
                f"subqueries and SOQL clauses ({match.group()}) are not allowed",
                position,
            )
        if match:
            return _Token(kind, match.group(), position)
    if text[position] == "'":
        raise _problem("unbalanced quote or unknown escape in a string", position)
    if text[position] == '"':
        raise _problem("strings take single quotes, not double quotes", position)
    raise _problem(f"unexpected character {text[position]!r}", position)


class _Parser:
    """condition := conjunction (OR conjunction)*
    conjunction := unary (AND unary)*
    unary       := NOT unary | '(' condition ')' | comparison
    comparison  := FIELD (operator value | LIKE string | [NOT] set-op list)
    """

    def __init__(self, tokens: list[_Token], end: int) -> None:
        self._tokens = tokens
        self._index = 0
        self._end = end
        self.fields: list[_Token] = []

    def parse(self) -> None:
        self._condition()
        if self._index < len(self._tokens):
            token = self._tokens[self._index]
            raise _problem(f"unexpected {token.text!r}", token.position)

    def _condition(self) -> None:
        self._conjunction()
        while self._accept_word("OR"):
            self._conjunction()

    def _conjunction(self) -> None:
        self._unary()
        while self._accept_word("AND"):
            self._unary()

    def _unary(self) -> None:
        if self._accept_word("NOT"):
            self._unary()
        elif self._accept(_Kind.OPEN):
            self._condition()
            self._expect(_Kind.CLOSE, "a closing parenthesis")
        else:
            self._comparison()

    def _comparison(self) -> None:
        self._field()
        if self._accept(_Kind.OPERATOR):
            self._value()
        elif self._accept_word("LIKE"):
            self._expect(_Kind.STRING, "a quoted pattern after LIKE")
        else:
            self._accept_word("NOT")
            self._set_operator()
            self._value_list()

    def _field(self) -> None:
        token = self._peek("a field name")
        if _is_field(token):
            self.fields.append(token)
            self._index += 1
            return
        if token.kind in _VALUE_KINDS or token.text.upper() in _LITERAL_WORDS:
            raise _problem(
                f"a comparison must start with a field name, not the constant "
                f"{token.text!r} (constant comparisons such as 1=1 are always "
                "true or always false)",
                token.position,
            )
        raise _problem(f"expected a field name, found {token.text!r}", token.position)

    def _set_operator(self) -> None:
        token = self._peek("a comparison operator")
        if token.kind is _Kind.WORD and token.text.upper() in _SET_OPERATORS:
            self._index += 1
            return
        raise _problem(
            f"expected a comparison operator, found {token.text!r}", token.position
        )

    def _value_list(self) -> None:
        self._expect(_Kind.OPEN, "'(' opening the list of values")
        self._value()
        while self._accept(_Kind.COMMA):
            self._value()
        self._expect(_Kind.CLOSE, "')' closing the list of values")

    def _value(self) -> None:
        token = self._peek("a value")
        self._index += 1
        if token.kind in _VALUE_KINDS:
            return
        word = token.text.upper()
        if token.kind is _Kind.WORD and word in _LITERAL_WORDS:
            return
        if token.kind is _Kind.WORD and _is_literal_word(token.text):
            return
        if _is_field(token):
            raise _problem(
                f"the right side must be a literal, not the field {token.text!r}",
                token.position,
            )
        raise _problem(f"expected a value, found {token.text!r}", token.position)

    def _accept(self, kind: _Kind) -> bool:
        token = self._current()
        if token is not None and token.kind is kind:
            self._index += 1
            return True
        return False

    def _accept_word(self, word: str) -> bool:
        token = self._current()
        if token and token.kind is _Kind.WORD and token.text.upper() == word:
            self._index += 1
            return True
        return False

    def _expect(self, kind: _Kind, what: str) -> None:
        token = self._peek(what)
        if token.kind is not kind:
            raise _problem(f"expected {what}, found {token.text!r}", token.position)
        self._index += 1

    def _peek(self, what: str) -> _Token:
        token = self._current()
        if token is None:
            raise _problem(f"the filter ends where {what} was expected", self._end)
        return token

    def _current(self) -> _Token | None:
        if self._index < len(self._tokens):
            return self._tokens[self._index]
        return None


def _is_field(token: _Token) -> bool:
    word = token.text
    return (
        token.kind is _Kind.WORD
        and ":" not in word
        and word.upper() not in _LITERAL_WORDS | _OPERATOR_WORDS
        and not _is_literal_word(word)
    )


def _is_literal_word(word: str) -> bool:
    return bool(_DATE_LITERAL.fullmatch(word) or _CURRENCY_LITERAL.fullmatch(word))
