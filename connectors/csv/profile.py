"""A CSV profile: which files hold the portfolio and how to read them.

A profile is a TOML file. Paths in it are relative to the profile's own
directory. Two shapes are understood:

- ``shape = "salesforce"``: the headers are Salesforce API names (a Data Loader
  or Workbench export); ``[columns.<table>]`` may still rename single columns.
- ``shape = "mapped"``: any CRM export; ``[columns.<table>]`` maps every
  neutral field the product needs onto the export's own column.

Example (the Maven sample in examples/maven-crm)::

    name = "maven"
    shape = "mapped"
    default_currency = "USD"

    [files]
    accounts = "accounts.csv"
    opportunities = "sales_pipeline.csv"

    [columns.accounts]
    account_id = "account"
    annual_revenue = "revenue"

    [stages]
    won = ["Won"]
    lost = ["Lost"]

    [scales.accounts]
    annual_revenue = 1_000_000
"""

from __future__ import annotations

import enum
import tomllib
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connectors.csv._tables import REQUIRED_FIELDS, CsvTable, ValueKind, table_columns
from connectors.errors import ConfigurationError
from mkp_core import OUTPUT_FIELDS

__all__ = ["CsvFiles", "CsvProfile", "CsvShape", "StageMap"]


class CsvShape(enum.StrEnum):
    """How the column headers of the input files are named."""

    SALESFORCE = "salesforce"
    MAPPED = "mapped"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvFiles(_Strict):
    """Input files; accounts and opportunities are needed, the rest optional."""

    accounts: Path
    opportunities: Path
    leads: Path | None = None
    rates: Path | None = None

    def get(self, table: CsvTable) -> Path | None:
        path: Path | None = getattr(self, table.value)
        return path


class StageMap(_Strict):
    """Which stage values close a deal; every other stage is open.

    Compared case-insensitively after trimming spaces. When given, the stage
    decides ``is_won``/``is_closed`` even if the file has such columns.
    """

    won: tuple[str, ...] = Field(min_length=1)
    lost: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = {s.strip().lower() for s in self.won} & {
            s.strip().lower() for s in self.lost
        }
        if both:
            raise ValueError(f"stages listed as both won and lost: {sorted(both)}")
        return self


_NUMERIC_KINDS = frozenset({ValueKind.AMOUNT, ValueKind.NUMBER})


class CsvProfile(_Strict):
    """Everything the CSV connector needs to read the portfolio and write results.

    Relative paths are resolved against ``directory`` (the profile file's
    directory when loaded with ``from_toml``). ``output`` defaults to
    ``<name>-scored.csv`` there.

    ``default_currency`` is the currency of every amount whose row names
    none. Account and lead amounts are converted into the corporate currency
    with the ``rates`` file (list the corporate currency at rate 1, as
    Salesforce's CurrencyType export does); a record's own currency comes
    from ``CurrencyIsoCode`` or the mapped ``currency_code`` column.
    """

    name: str = Field(default="mkp", pattern=r"^[A-Za-z0-9._-]+$")
    shape: CsvShape
    directory: Path = Path()
    files: CsvFiles
    output: Path | None = None
    columns: dict[CsvTable, dict[str, str]] = Field(default_factory=dict)
    values: dict[CsvTable, dict[str, dict[str, str]]] = Field(default_factory=dict)
    stages: StageMap | None = None
    scales: dict[CsvTable, dict[str, float]] = Field(default_factory=dict)
    date_format: str = Field(default="%Y-%m-%d", min_length=2)
    default_currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    fields: dict[str, str] = Field(default_factory=dict)
    output_bom: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        self._check_columns()
        self._check_values_and_scales()
        self._check_output()
        unknown = sorted(set(self.fields) - set(OUTPUT_FIELDS))
        if unknown:
            raise ValueError(f"fields.{unknown[0]}: not an output field")
        return self

    def _check_columns(self) -> None:
        for table, mapping in self.columns.items():
            for field in mapping:
                _require_field(f"columns.{table}", table, field)
        if self.shape is not CsvShape.MAPPED:
            return
        for table in CsvTable:
            if self.files.get(table) is None:
                continue
            mapped = self.columns.get(table, {})
            for field in REQUIRED_FIELDS[table]:
                if field not in mapped:
                    raise ValueError(
                        f"columns.{table}.{field}: required in the mapped shape; "
                        "name the column that holds it"
                    )
        opportunity_columns = self.columns.get(CsvTable.OPPORTUNITIES, {}).keys()
        if self.stages is not None and "stage" not in opportunity_columns:
            raise ValueError("stages: needs columns.opportunities.stage")
        if self.stages is None and not {"is_won", "is_closed"} <= opportunity_columns:
            raise ValueError(
                "stages: the mapped shape needs [stages] (won/lost stage values) "
                "or columns.opportunities.is_won and .is_closed"
            )

    def _check_values_and_scales(self) -> None:
        for table, maps in self.values.items():
            for field in maps:
                kind = _require_field(f"values.{table}", table, field)
                if kind is not ValueKind.TEXT:
                    raise ValueError(f"values.{table}.{field}: only text fields")
        for table, factors in self.scales.items():
            for field, factor in factors.items():
                kind = _require_field(f"scales.{table}", table, field)
                if kind not in _NUMERIC_KINDS:
                    raise ValueError(f"scales.{table}.{field}: not a numeric field")
                if not factor > 0:
                    raise ValueError(f"scales.{table}.{field}: must be above 0")

    def _check_output(self) -> None:
        output = self.output_path.resolve()
        for table in CsvTable:
            path = self.file(table)
            if path is not None and path.resolve() == output:
                raise ValueError(
                    f"output: {output} is also the {table} input file; "
                    "results would overwrite it"
                )

    def file(self, table: CsvTable) -> Path | None:
        """The input file of a table, resolved against ``directory``."""
        path = self.files.get(table)
        return None if path is None else self.directory / path

    @property
    def output_path(self) -> Path:
        return self.directory / (self.output or f"{self.name}-scored.csv")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "profile") -> CsvProfile:
        """Validate a mapping; a bad profile raises ``ConfigurationError``."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(_describe(err) for err in exc.errors())
            raise ConfigurationError(
                f"{source}: invalid CSV profile: {problems}"
            ) from exc

    @classmethod
    def from_toml(cls, path: Path, *, output: Path | None = None) -> CsvProfile:
        """Load a profile file; a bad or missing one raises ``ConfigurationError``.

        ``output``, relative to the working directory, replaces the results
        path the profile names.
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigurationError(f"{path}: CSV profile not found") from exc
        except UnicodeDecodeError as exc:
            raise ConfigurationError(
                f"{path}: not UTF-8 text; save the CSV profile as UTF-8"
            ) from exc
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(
                f"{path}: cannot read the CSV profile: {reason}"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc

        data.setdefault("name", path.stem)
        data["directory"] = path.parent.absolute() / data.get("directory", "")
        if output is not None:
            data["output"] = output.absolute()

        return cls.from_mapping(data, source=str(path))


def _require_field(key: str, table: CsvTable, field: str) -> ValueKind:
    known = table_columns(table)
    if field not in known:
        raise ValueError(
            f"{key}.{field}: unknown field; {table} has {', '.join(sorted(known))}"
        )
    return known[field]


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    cause = error.get("ctx", {}).get("error")
    message = str(cause) if isinstance(cause, ValueError) else error["msg"]
    return f"{location}: {message}" if location else message
