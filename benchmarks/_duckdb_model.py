"""The scoring model as one DuckDB SQL query: the yardstick for mkp_core.

It computes what the product's model computes for accounts: window revenue
in the corporate currency (static rates; bad amounts left out), the size
exponent ``b`` as the log-log regression slope (rounded and clipped as ours
is), and potential in the same order of precedence: a positive override,
else the leave-one-out peer quantile of spend intensity (of plain spend for
a customer without a size) per industry, with the whole portfolio as the
fallback when the industry has fewer than ``min_peer_group`` peers besides
the account, times the account's ``size ** b``; else current revenue; never
below current revenue. Then potential levels by portfolio quantiles, wallet
share and segment. Left out: dated rates, the issue report, the
firmographic fallback, hysteresis and texts.

The leave-one-out quantile needs, per group, only the sorted values at the
three positions it can read and the group's size: an account's own value is
compared with them, as ``mkp_core._quantile`` explains.
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
           nullif(lower(trim(a.industry)), '') AS industry,
           CASE WHEN a.employees > 0 AND isfinite(a.employees)
                THEN a.employees END AS size,
           CASE WHEN a.potential_override > 0 AND isfinite(a.potential_override)
                THEN a.potential_override END AS override,
           coalesce(w.revenue, 0.0) AS revenue
    FROM accounts a LEFT JOIN won w USING (account_id)
),
fit AS (
    SELECT least(greatest(round(
               coalesce(regr_slope(ln(revenue), ln(size)), 1.0), 3), 0.0), 1.2) AS b
    FROM customers
    WHERE revenue > 0 AND size IS NOT NULL
),
measured AS (
    SELECT c.*,
           CASE WHEN c.size IS NOT NULL THEN 'intensity' ELSE 'spend' END AS basis,
           CASE WHEN c.size IS NOT NULL THEN pow(c.size, fit.b) ELSE 1.0 END AS scale,
           CASE WHEN c.revenue > 0 AND c.size IS NOT NULL
                THEN c.revenue / pow(c.size, fit.b)
                WHEN c.revenue > 0 AND c.size IS NULL THEN c.revenue END AS own
    FROM customers c CROSS JOIN fit
),
-- Every peer value once per basis and scope; the portfolio scope has no group.
peer_values AS (
    SELECT 'intensity' AS basis, industry AS grp, revenue / pow(size, fit.b) AS value
    FROM measured CROSS JOIN fit
    WHERE revenue > 0 AND size IS NOT NULL AND industry IS NOT NULL
    UNION ALL
    SELECT 'intensity', NULL, revenue / pow(size, fit.b)
    FROM measured CROSS JOIN fit
    WHERE revenue > 0 AND size IS NOT NULL
    UNION ALL
    SELECT 'spend', industry, revenue
    FROM measured WHERE revenue > 0 AND industry IS NOT NULL
    UNION ALL
    SELECT 'spend', NULL, revenue FROM measured WHERE revenue > 0
),
sorted_values AS (
    SELECT basis, grp, list_sort(list(value)) AS v,
           quantile_cont(value, $peer_quantile) AS full_q
    FROM peer_values
    GROUP BY basis, grp
),
stats AS (
    SELECT basis, grp, len(v) AS n, full_q,
           v[least(floor(greatest(len(v) - 2, 0) * $peer_quantile)::BIGINT,
                   len(v) - 1) + 1] AS x0,
           v[least(floor(greatest(len(v) - 2, 0) * $peer_quantile)::BIGINT + 1,
                   len(v) - 1) + 1] AS x1,
           v[least(floor(greatest(len(v) - 2, 0) * $peer_quantile)::BIGINT + 2,
                   len(v) - 1) + 1] AS x2
    FROM sorted_values
),
-- Leave-one-out: x_k stays when it is below the account's own value.
quantiles AS (
    SELECT m.account_id, m.revenue, m.override, m.scale,
           (m.basis = 'intensity' OR m.revenue > 0) AS comparable,
           i.n - (m.own IS NOT NULL)::INT AS industry_n,
           p.n - (m.own IS NOT NULL)::INT AS portfolio_n,
           CASE WHEN m.own IS NULL THEN i.full_q
                ELSE CASE WHEN i.x0 < m.own THEN i.x0 ELSE i.x1 END
                     + (greatest(i.n - 2, 0) * $peer_quantile
                        - floor(greatest(i.n - 2, 0) * $peer_quantile))
                     * (CASE WHEN i.x1 < m.own THEN i.x1 ELSE i.x2 END
                        - CASE WHEN i.x0 < m.own THEN i.x0 ELSE i.x1 END)
           END AS industry_q,
           CASE WHEN m.own IS NULL THEN p.full_q
                ELSE CASE WHEN p.x0 < m.own THEN p.x0 ELSE p.x1 END
                     + (greatest(p.n - 2, 0) * $peer_quantile
                        - floor(greatest(p.n - 2, 0) * $peer_quantile))
                     * (CASE WHEN p.x1 < m.own THEN p.x1 ELSE p.x2 END
                        - CASE WHEN p.x0 < m.own THEN p.x0 ELSE p.x1 END)
           END AS portfolio_q
    FROM measured m
    LEFT JOIN stats i ON i.basis = m.basis AND i.grp = m.industry
    LEFT JOIN stats p ON p.basis = m.basis AND p.grp IS NULL
),
potentials AS (
    SELECT account_id, revenue,
           greatest(
               coalesce(
                   override,
                   CASE WHEN NOT comparable THEN NULL
                        WHEN industry_n >= $min_peers THEN industry_q
                        WHEN portfolio_n >= $min_peers THEN portfolio_q
                   END * scale,
                   revenue
               ),
               revenue
           ) AS potential
    FROM quantiles
),
cutoffs AS (
    SELECT quantile_cont(potential, $medium_quantile) AS medium,
           quantile_cont(potential, $high_quantile) AS high
    FROM potentials
)
SELECT account_id, revenue, potential,
       CASE WHEN potential > 0 THEN least(revenue / potential, 1.0) ELSE 0.0 END
           AS wallet_share,
       (
           3 * CASE WHEN potential > 0 AND potential >= high THEN 2
                    WHEN potential > 0 AND potential >= medium THEN 1
                    ELSE 0 END
           + CASE WHEN revenue <= 0 THEN 0
                  WHEN revenue / potential >= $reached_share THEN 2
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
