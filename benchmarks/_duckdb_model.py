"""The scoring model as one DuckDB SQL query: the yardstick for mkp_core.

It computes what the product's model computes for accounts, minus what
cannot be said in one plain query: window revenue in the corporate currency
(static rates; bad amounts left out), the size exponent ``b`` as the
log-log regression slope, the peer quantile of spend intensity per industry
with the portfolio as fallback (without leaving the account out of its own
peers), potential ``max(quantile * size ** b, revenue)``, potential levels
by portfolio quantiles, wallet share and segment. Left out: dated rates,
the issue report, overrides and firmographic fallbacks, hysteresis, texts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mkp_core import Policy

__all__ = ["load_tables", "run_model"]

_MODEL = """
CREATE OR REPLACE TEMP TABLE scores AS
WITH rates AS (
    SELECT upper(currency_code) AS currency_code, rate
    FROM rates
    WHERE start_date IS NULL AND rate > 0
),
won AS (
    SELECT o.account_id, sum(o.amount / r.rate) AS revenue
    FROM opportunities o
    JOIN rates r ON r.currency_code = coalesce(upper(o.currency_code), $corporate)
    WHERE o.is_won
      AND o.close_date > $window_start AND o.close_date <= $as_of
      AND o.amount >= 0 AND o.amount / r.rate <= $max_amount
    GROUP BY o.account_id
),
customers AS (
    SELECT a.account_id,
           lower(trim(a.industry)) AS industry,
           CASE WHEN a.employees > 0 THEN a.employees END AS size,
           coalesce(w.revenue, 0.0) AS revenue
    FROM accounts a LEFT JOIN won w USING (account_id)
),
fit AS (
    SELECT coalesce(regr_slope(ln(revenue), ln(size)), 1.0) AS b
    FROM customers
    WHERE revenue > 0 AND size IS NOT NULL
),
peers AS (
    SELECT c.industry, c.revenue / pow(c.size, fit.b) AS intensity
    FROM customers c, fit
    WHERE c.revenue > 0 AND c.size IS NOT NULL
),
by_industry AS (
    SELECT industry, quantile_cont(intensity, $peer_quantile) AS q, count(*) AS n
    FROM peers
    GROUP BY industry
),
by_portfolio AS (
    SELECT quantile_cont(intensity, $peer_quantile) AS q FROM peers
),
potentials AS (
    SELECT c.account_id, c.revenue,
           greatest(
               coalesce(
                   CASE WHEN i.n >= $min_peers THEN i.q ELSE p.q END
                   * pow(c.size, fit.b),
                   0.0
               ),
               c.revenue
           ) AS potential
    FROM customers c
    CROSS JOIN fit
    CROSS JOIN by_portfolio p
    LEFT JOIN by_industry i USING (industry)
),
cutoffs AS (
    SELECT quantile_cont(potential, $medium_quantile) AS medium,
           quantile_cont(potential, $high_quantile) AS high
    FROM potentials
)
SELECT account_id, revenue, potential,
       CASE WHEN potential > 0 THEN revenue / potential ELSE 0.0 END
           AS wallet_share,
       (
           3 * CASE WHEN potential > 0 AND potential >= high THEN 2
                    WHEN potential > 0 AND potential >= medium THEN 1
                    ELSE 0 END
           + CASE WHEN revenue <= 0 THEN 0
                  WHEN revenue >= $reached_share * potential THEN 2
                  ELSE 1 END
           + 1
       )::TINYINT AS segment
FROM potentials CROSS JOIN cutoffs
"""


def load_tables(connection: Any, directory: Path) -> None:
    """Copy the org's Parquet frames into DuckDB tables (not timed)."""
    for table in ("accounts", "opportunities", "rates"):
        connection.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet(?)",  # noqa: S608 - fixed names
            [str(directory / f"{table}.parquet")],
        )


def run_model(connection: Any, policy: Policy) -> None:
    """Score every account into the temporary table ``scores``."""
    as_of = policy.as_of_date
    levels = policy.potential_levels
    connection.execute(
        _MODEL,
        {
            "corporate": policy.corporate_currency,
            "as_of": as_of,
            "window_start": as_of - dt.timedelta(days=policy.window_days),
            "max_amount": policy.max_opportunity_amount,
            "peer_quantile": policy.peer_quantile,
            "min_peers": policy.min_peer_group,
            "medium_quantile": levels.medium_quantile,
            "high_quantile": levels.high_quantile,
            "reached_share": policy.reached_share,
        },
    )
