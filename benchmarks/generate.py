"""A seeded synthetic org of any size, as the neutral frames of ``mkp_core``.

The model behind the numbers, so a benchmark (or a reader) knows what the
scorer ought to find:

- account size (employees) is log-normal with a long right tail; annual
  revenue is size times a log-normal revenue per employee;
- an account's yearly spend with us is log-normal given its size and
  industry: ``industry_base * employees ** SIZE_EXPONENT * noise``;
- about a third of accounts win nothing in the trailing year ("not
  working"); the others win a share of their deals, sized so that a year's
  wins add up to their spend;
- deals go to accounts in proportion to the square root of their size and
  close up to three years before ``as_of`` or half a year after (still open);
- a tenth of the deals is in EUR, GBP, JPY or CAD; EUR also has quarterly
  dated rates;
- small shares of bad input: missing, negative and absurd amounts, deals
  without an account, accounts without industry or size.

The same shape and seed give the same frames on every machine. Run
``python -m benchmarks.generate --help`` to write an org to disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchmarks.salesforce_shape import write_salesforce_csvs
from mkp_core import (
    ACCOUNT_SCHEMA,
    LEAD_SCHEMA,
    OPPORTUNITY_SCHEMA,
    RATE_SCHEMA,
    Policy,
)

__all__ = [
    "AS_OF",
    "CORPORATE_CURRENCY",
    "SIZE_EXPONENT",
    "TRUTH_SCHEMA",
    "WINDOW_DAYS",
    "OrgShape",
    "SyntheticOrg",
    "chosen_shape",
    "generate_org",
    "new_won_deals",
    "org_parser",
    "rate_frame",
]

Array = np.ndarray[Any, Any]

AS_OF = dt.date(2025, 12, 31)
CORPORATE_CURRENCY = "USD"
# The exponent b of spend on size the generator uses; the scorer fits its own.
SIZE_EXPONENT = 0.75
WINDOW_DAYS = 365

# Units of each currency per US dollar.
_STATIC_RATES = {"EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "CAD": 1.36}
_DATED_CURRENCY = "EUR"
_INDUSTRIES = (
    "Technology",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Energy",
    "Construction",
    "Transportation",
    "Education",
    "Hospitality",
    "Media",
    "Telecommunications",
    "Agriculture",
    "Insurance",
    "Real Estate",
    "Utilities",
    "Consulting",
    "Government",
    "Chemicals",
    "Apparel",
    "Biotechnology",
    "Electronics",
    "Engineering",
    "Shipping",
)
_OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Negotiation/Review")
_WON_STAGE, _LOST_STAGE = "Closed Won", "Closed Lost"
_OWNERS = 50
# Chance that a past deal outside the window was won, and that a past deal
# was left open in the CRM.
_EARLIER_WIN_RATE = 0.35
_STALE_OPEN_SHARE = 0.03

# Shares of records carrying each kind of bad or missing input.
_BAD_OPPORTUNITY_SHARES = {
    "orphan": 0.002,
    "missing_amount": 0.005,
    "negative_amount": 0.001,
    "absurd_amount": 0.0001,
}
_ABSURD_AMOUNT = 5e13
_MISSING_ACCOUNT_SHARES = {"industry": 0.02, "employees": 0.05, "annual_revenue": 0.1}
_OVERRIDE_SHARE = 0.005

# What the generator knows and a CRM would not: each account's true spend.
TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "true_employees": pl.Float64(),
    "spend_usd": pl.Float64(),
    "win_rate": pl.Float64(),
}


@dataclasses.dataclass(frozen=True)
class OrgShape:
    """How big an org to generate, and from which seed.

    ``leads`` None means one lead for every ten accounts.
    """

    accounts: int
    opportunities: int
    leads: int | None = None
    seed: int = 20251231
    as_of: dt.date = AS_OF
    foreign_share: float = 0.10
    not_working_share: float = 0.30

    @property
    def lead_count(self) -> int:
        return self.accounts // 10 if self.leads is None else self.leads


def org_parser(description: str, *, large: str) -> argparse.ArgumentParser:
    """A benchmark's command line with the org's size options; ``large``
    says what ``--large`` measures."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--opportunities", type=int)
    parser.add_argument("--large", action="store_true", help=large)
    parser.add_argument("--seed", type=int, default=OrgShape.seed)
    return parser


def chosen_shape(
    args: argparse.Namespace, quick: tuple[int, int], large: tuple[int, int]
) -> OrgShape:
    """The org the size options of ``org_parser`` ask for: the quick or the
    large (accounts, opportunities), each overridden when given."""
    accounts, opportunities = large if args.large else quick
    return OrgShape(
        args.accounts or accounts, args.opportunities or opportunities, seed=args.seed
    )


@dataclasses.dataclass(frozen=True)
class SyntheticOrg:
    """Frames in the ``mkp_core.frames`` schemas, plus the generator's truth."""

    shape: OrgShape
    accounts: pl.DataFrame
    opportunities: pl.DataFrame
    rates: pl.DataFrame
    leads: pl.DataFrame
    truth: pl.DataFrame

    def policy(self) -> Policy:
        """The default policy, scoring as of the org's ``as_of``."""
        return Policy(as_of=self.shape.as_of, corporate_currency=CORPORATE_CURRENCY)

    def now(self) -> dt.datetime:
        """A fixed run time, the evening of ``as_of``, so runs are repeatable."""
        return dt.datetime.combine(self.shape.as_of, dt.time(22, 0), tzinfo=dt.UTC)

    def with_opportunities(self, extra: pl.DataFrame) -> SyntheticOrg:
        """The same org with more opportunities appended."""
        combined = pl.concat([self.opportunities, extra])
        return dataclasses.replace(self, opportunities=combined)

    def save(self, directory: Path) -> None:
        """Write every frame as Parquet, and the shape as JSON."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in _FRAMES:
            getattr(self, name).write_parquet(directory / f"{name}.parquet")
        shape = dataclasses.asdict(self.shape) | {"as_of": self.shape.as_of.isoformat()}
        (directory / "shape.json").write_text(json.dumps(shape), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SyntheticOrg:
        """Read an org written by ``save``."""
        shape: dict[str, Any] = json.loads((directory / "shape.json").read_text())
        shape["as_of"] = dt.date.fromisoformat(shape["as_of"])
        frames = {
            name: pl.read_parquet(directory / f"{name}.parquet") for name in _FRAMES
        }
        return cls(shape=OrgShape(**shape), **frames)


_FRAMES = ("accounts", "opportunities", "rates", "leads", "truth")


def generate_org(shape: OrgShape) -> SyntheticOrg:
    """Generate the whole org; deterministic for the same shape.

    Accounts, opportunities and leads draw from separate streams of the
    seed, so changing the number of opportunities leaves the accounts as
    they were.
    """
    if shape.accounts < 1 or shape.opportunities < 0 or shape.lead_count < 0:
        raise ValueError("an org needs at least one account and no negative counts")
    hidden = _Hidden.draw(shape, _stream(shape, 0))
    accounts = _account_frame(shape, hidden, _stream(shape, 1))

    opportunities = _opportunity_frame(
        shape, hidden, accounts["account_id"], _stream(shape, 2)
    )
    leads = _lead_frame(shape, _stream(shape, 3))
    truth = pl.DataFrame(
        {
            "account_id": accounts["account_id"],
            "true_employees": hidden.employees,
            "spend_usd": hidden.spend,
            "win_rate": hidden.win_rate,
        },
        schema=TRUTH_SCHEMA,
    )

    return SyntheticOrg(shape, accounts, opportunities, rate_frame(shape), leads, truth)


def new_won_deals(org: SyntheticOrg, share: float = 0.01) -> pl.DataFrame:
    """One won deal for ``share`` of the accounts, worth a year of their spend.

    The accounts are drawn from those that won nothing in the window and
    have an industry and a size, so each one's segment moves off "Not
    working". The deals close a month before ``as_of``, in the corporate
    currency, with ids after the org's current opportunities.
    """
    idle = _idle_accounts(org)
    wanted = min(max(1, round(org.shape.accounts * share)), idle.height)
    rng = _stream(org.shape, 4)
    picked = idle[np.sort(rng.choice(idle.height, wanted, replace=False))]
    close_date = org.shape.as_of - dt.timedelta(days=30)

    deals = pl.DataFrame(
        {
            "opportunity_id": _ids("006", wanted, start=org.opportunities.height + 1),
            "account_id": picked["account_id"],
            "amount": picked["spend_usd"].round(2),
        }
    ).with_columns(
        currency_code=pl.lit(CORPORATE_CURRENCY),
        stage=pl.lit(_WON_STAGE),
        is_won=pl.lit(True),
        is_closed=pl.lit(True),
        close_date=pl.lit(close_date),
    )
    return deals.select(list(OPPORTUNITY_SCHEMA)).cast(pl.Schema(OPPORTUNITY_SCHEMA))


def rate_frame(shape: OrgShape) -> pl.DataFrame:
    """Static rates for every currency plus EUR's quarterly dated rates."""
    starts, dated = _dated_rates(shape.as_of)
    static = {CORPORATE_CURRENCY: 1.0, **_STATIC_RATES}
    static_rows = pl.DataFrame(
        {"currency_code": list(static), "rate": list(static.values())}
    )
    dated_rows = pl.DataFrame(
        {
            "currency_code": [_DATED_CURRENCY] * len(starts),
            "rate": dated,
            "start_date": starts,
            "next_start_date": [*starts[1:], None],
        }
    )
    return pl.concat([static_rows, dated_rows], how="diagonal").select(
        pl.col(name).cast(dtype) for name, dtype in RATE_SCHEMA.items()
    )


def _stream(shape: OrgShape, part: int) -> np.random.Generator:
    return np.random.default_rng([shape.seed, part])


@dataclasses.dataclass(frozen=True)
class _Hidden:
    """Per-account draws that every frame is built from; a CRM sees only some."""

    industry: Array
    employees: Array
    spend: Array
    win_rate: Array

    @classmethod
    def draw(cls, shape: OrgShape, rng: np.random.Generator) -> _Hidden:
        n = shape.accounts
        weights = 1.0 / np.arange(1, len(_INDUSTRIES) + 1) ** 0.8
        industry = rng.choice(len(_INDUSTRIES), n, p=weights / weights.sum())
        employees = np.clip(np.rint(rng.lognormal(np.log(60), 1.6, n)), 1, 2e6)
        industry_base = rng.lognormal(np.log(2_000), 0.4, len(_INDUSTRIES))
        noise = rng.lognormal(0.0, 0.7, n)
        spend = industry_base[industry] * employees**SIZE_EXPONENT * noise

        working = rng.random(n) >= shape.not_working_share
        win_rate = np.where(working, rng.uniform(0.25, 0.6, n), 0.0)
        return cls(industry, employees, spend, win_rate)


def _account_frame(
    shape: OrgShape, hidden: _Hidden, rng: np.random.Generator
) -> pl.DataFrame:
    n = shape.accounts
    missing = {f: rng.random(n) < s for f, s in _MISSING_ACCOUNT_SHARES.items()}
    annual_revenue = hidden.employees * rng.lognormal(np.log(150_000), 0.6, n)
    has_override = rng.random(n) < _OVERRIDE_SHARE

    frame = pl.DataFrame(
        {
            "account_id": _ids("001", n),
            "name": _names("Account", n),
            "industry": _null_where(
                _industry_names(hidden.industry), missing["industry"]
            ),
            "owner": _owners(n, rng),
            "employees": _null_where(pl.Series(hidden.employees), missing["employees"]),
            "annual_revenue": _null_where(
                pl.Series(annual_revenue).round(2), missing["annual_revenue"]
            ),
            "potential_override": _null_where(
                pl.Series(hidden.spend * 2.5).round(2), ~has_override
            ),
        }
    )
    return _conform(frame, ACCOUNT_SCHEMA)


def _opportunity_frame(
    shape: OrgShape, hidden: _Hidden, account_ids: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    m = shape.opportunities
    weights = np.sqrt(hidden.employees)
    account = rng.choice(shape.accounts, m, p=weights / weights.sum())
    offset_days = rng.integers(-3 * 365, 181, m)
    won, is_open = _outcomes(hidden.win_rate[account], offset_days, rng)
    amount_usd = _deal_amounts(hidden, account, won & _in_window(offset_days), rng)
    currency, rate = _currencies(shape, offset_days, rng)
    orphan = rng.random(m) < _BAD_OPPORTUNITY_SHARES["orphan"]

    frame = pl.DataFrame(
        {
            "opportunity_id": _ids("006", m),
            "account_id": _null_where(account_ids.gather(account), orphan),
            "amount": _with_bad_amounts(amount_usd * rate, rate, rng),
            "currency_code": currency,
            "stage": _stages(won, is_open, rng),
            "is_won": won,
            "is_closed": ~is_open,
            "close_date": _dates(shape.as_of, offset_days),
        }
    )
    return _conform(frame, OPPORTUNITY_SCHEMA)


def _lead_frame(shape: OrgShape, rng: np.random.Generator) -> pl.DataFrame:
    n = shape.lead_count
    weights = 1.0 / np.arange(1, len(_INDUSTRIES) + 1) ** 0.8
    industry = rng.choice(len(_INDUSTRIES), n, p=weights / weights.sum())
    employees = np.clip(np.rint(rng.lognormal(np.log(40), 1.5, n)), 1, 2e6)
    annual_revenue = employees * rng.lognormal(np.log(120_000), 0.6, n)

    frame = pl.DataFrame(
        {
            "lead_id": _ids("00Q", n),
            "name": _names("Lead", n),
            "company": _names("Company", n),
            "industry": _null_where(_industry_names(industry), rng.random(n) < 0.05),
            "owner": _owners(n, rng),
            "employees": _null_where(pl.Series(employees), rng.random(n) < 0.1),
            "annual_revenue": _null_where(
                pl.Series(annual_revenue).round(2), rng.random(n) < 0.2
            ),
        }
    )
    return _conform(frame, LEAD_SCHEMA)


def _outcomes(
    win_rate: Array, offset_days: Array, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Won and still-open flags: a deal closing after ``as_of`` is open, and
    a few past ones were never closed. Wins before the window happen to
    working and idle accounts alike, so idle ones still have a last win."""
    past = offset_days <= 0
    win_chance = np.where(_in_window(offset_days), win_rate, _EARLIER_WIN_RATE)
    won = past & (rng.random(len(offset_days)) < win_chance)
    stale = rng.random(len(offset_days)) < _STALE_OPEN_SHARE

    return won, ~past | (~won & stale)


def _deal_amounts(
    hidden: _Hidden, account: Array, won_in_window: Array, rng: np.random.Generator
) -> Array:
    """Deal sizes such that each account's wins in the window add up to its
    spend, give or take a log-normal factor of mean one per deal."""
    wins = np.bincount(account[won_in_window], minlength=len(hidden.spend))
    deal_size = hidden.spend / np.maximum(wins, 1)
    return deal_size[account] * rng.lognormal(-0.125, 0.5, len(account))


def _currencies(
    shape: OrgShape, offset_days: Array, rng: np.random.Generator
) -> tuple[pl.Series, Array]:
    """Each deal's currency code and its rate (dated for EUR) on the close date."""
    codes = [CORPORATE_CURRENCY, *_STATIC_RATES]
    m = len(offset_days)
    foreign = rng.random(m) < shape.foreign_share
    index = np.where(foreign, rng.integers(1, len(codes), m), 0)
    rate = np.array([1.0, *_STATIC_RATES.values()])[index]

    starts, dated = _dated_rates(shape.as_of)
    ordinals = np.array([start.toordinal() for start in starts])
    quarter = np.searchsorted(ordinals, shape.as_of.toordinal() + offset_days, "right")
    dated_rate = np.array(dated)[quarter - 1]
    rate = np.where(index == codes.index(_DATED_CURRENCY), dated_rate, rate)

    return pl.Series(codes).gather(index), rate


def _dated_rates(as_of: dt.date) -> tuple[list[dt.date], list[float]]:
    """Quarterly EUR rates from four years before ``as_of`` to a year after."""
    starts = [
        dt.date(year, month, 1)
        for year in range(as_of.year - 4, as_of.year + 2)
        for month in (1, 4, 7, 10)
    ]
    base = _STATIC_RATES[_DATED_CURRENCY]
    rates = [round(base * (1 + 0.03 * np.sin(k / 2)), 6) for k in range(len(starts))]
    return starts, rates


def _with_bad_amounts(
    amount: Array, rate: Array, rng: np.random.Generator
) -> pl.Series:
    """Amounts in cents, a few of them missing, negative or absurd."""
    draw = rng.random(len(amount))
    edges = np.cumsum(
        [_BAD_OPPORTUNITY_SHARES[k] for k in _BAD_AMOUNT_KINDS], dtype=np.float64
    )
    missing, negative, absurd = (
        (draw >= low) & (draw < high)
        for low, high in zip([0.0, *edges[:-1]], edges, strict=True)
    )
    amount = np.where(negative, -amount, amount)
    amount = np.where(absurd, _ABSURD_AMOUNT * rate, amount)

    return _null_where(pl.Series(amount).round(2), missing)


_BAD_AMOUNT_KINDS = ("missing_amount", "negative_amount", "absurd_amount")


def _stages(won: Array, is_open: Array, rng: np.random.Generator) -> pl.Series:
    stages = pl.Series([_WON_STAGE, _LOST_STAGE, *_OPEN_STAGES])
    open_stage = rng.integers(2, len(stages), len(won))
    return stages.gather(np.where(won, 0, np.where(is_open, open_stage, 1)))


def _in_window(offset_days: Array) -> Array:
    return (offset_days <= 0) & (offset_days > -WINDOW_DAYS)


def _dates(as_of: dt.date, offset_days: Array) -> pl.Series:
    days = (as_of - dt.date(1970, 1, 1)).days + offset_days
    return pl.Series(days, dtype=pl.Int32).cast(pl.Date)


def _ids(prefix: str, count: int, start: int = 1) -> pl.Series:
    """Salesforce-looking 18-character ids: a key prefix and a padded number."""
    number = pl.int_range(start, start + count, eager=True)
    return prefix + number.cast(pl.String).str.zfill(18 - len(prefix))


def _names(word: str, count: int) -> pl.Series:
    return f"{word} " + pl.int_range(1, count + 1, eager=True).cast(pl.String)


def _industry_names(index: Array) -> pl.Series:
    return pl.Series(_INDUSTRIES).gather(index)


def _owners(count: int, rng: np.random.Generator) -> pl.Series:
    return _ids("005", _OWNERS).gather(rng.integers(0, _OWNERS, count))


def _null_where(values: pl.Series, mask: Array) -> pl.Series:
    """The values with the masked positions null."""
    return pl.select(
        pl.when(pl.lit(pl.Series(mask))).then(None).otherwise(pl.lit(values))
    ).to_series()


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The schema's columns in order; those the generator does not fill (the
    MKP fields of a fresh org, a lead's override) are null."""
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None))
        .cast(dtype)
        .alias(name)
        for name, dtype in schema.items()
    )


def _idle_accounts(org: SyntheticOrg) -> pl.DataFrame:
    """Accounts with an industry and a size that won nothing in the window."""
    as_of = org.shape.as_of
    window_start = as_of - dt.timedelta(days=WINDOW_DAYS)
    earning = org.opportunities.filter(
        pl.col("is_won")
        & (pl.col("amount") > 0)
        & pl.col("close_date").is_between(window_start, as_of, closed="right")
    ).select("account_id")

    return (
        org.accounts.filter(
            pl.col("industry").is_not_null() & pl.col("employees").is_not_null()
        )
        .join(earning, on="account_id", how="anti")
        .join(org.truth, on="account_id")
        .select("account_id", "spend_usd")
        .sort("account_id")
    )


def _summary(org: SyntheticOrg) -> dict[str, Any]:
    opportunities = org.opportunities
    return {
        "accounts": org.accounts.height,
        "opportunities": opportunities.height,
        "leads": org.leads.height,
        "won": int(opportunities["is_won"].sum()),
        "foreign_currency": int(
            (opportunities["currency_code"] != CORPORATE_CURRENCY).sum()
        ),
        "orphans": opportunities["account_id"].null_count(),
        "missing_amounts": opportunities["amount"].null_count(),
        "negative_amounts": int((opportunities["amount"] < 0).sum()),
        "absurd_amounts": int((opportunities["amount"] > 1e12).sum()),
    }


def main(argv: list[str] | None = None) -> None:
    """Generate an org and write it as Parquet (and Salesforce-shaped CSVs)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=OrgShape.seed)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--salesforce-csv",
        action="store_true",
        help="also write Data Loader CSVs and a CSV connector profile",
    )
    args = parser.parse_args(argv)
    shape = OrgShape(args.accounts, args.opportunities, args.leads, seed=args.seed)

    started = time.perf_counter()
    org = generate_org(shape)
    generated_s = time.perf_counter() - started
    org.save(args.out)
    if args.salesforce_csv:
        write_salesforce_csvs(org, args.out / "salesforce")

    summary = _summary(org) | {"generate_s": round(generated_s, 2)}
    for key, value in summary.items():
        print(f"{key:>18}: {value:,}")
    print(json.dumps({"benchmark": "generate", **summary, "out": str(args.out)}))


if __name__ == "__main__":
    main()
