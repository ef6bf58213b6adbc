"""Opportunities reduced to per-account facts as they are read, batch by batch.

Scoring needs four facts per account from its deals (window revenue, last
win, open pipeline, ever won), each a sum, a maximum or an "any", so deals
never have to be held all at once. ``OpportunityDigest`` takes the deals in
pages as a connector reads them, checks each page (issue rows exactly as if
all deals had come in one frame), and folds it into partial facts per
account. Memory then grows with the accounts, plus 8 bytes per deal for the
duplicate-id check and one row per deal left out with an issue.

Small pages are gathered into batches of at least ``batch_rows`` deals
before they are checked: each check carries a fixed cost (the accounts'
keys, the rates of the batch's currencies and days), which pages of 2,000
REST records would pay thousands of times. Partial facts are merged once
they outnumber the accounts, so they stay within about twice the accounts.
"""

from __future__ import annotations

import dataclasses
import logging

import polars as pl

from mkp_core.frames import (
    ACCOUNT_SCHEMA,
    OPPORTUNITY_SCHEMA,
    RATE_SCHEMA,
    conform,
    empty_frame,
)
from mkp_core.inputs import OpportunityChecks
from mkp_core.policy import Policy
from mkp_core.revenue import deal_facts, merge_facts, with_facts

__all__ = ["DEFAULT_BATCH_ROWS", "DigestedDeals", "OpportunityDigest"]

logger = logging.getLogger(__name__)

# About 30 MiB of deals at a time: big enough that the fixed cost of a check
# is lost in it, small next to the accounts of an org with this many deals.
DEFAULT_BATCH_ROWS = 250_000


@dataclasses.dataclass(frozen=True)
class DigestedDeals:
    """Accounts fit to score with their revenue facts, and every issue met on
    the accounts, the rates and the deals (in that order)."""

    accounts: pl.DataFrame
    issues: pl.DataFrame


class OpportunityDigest:
    """Deals folded into per-account facts, page after page.

    Built from the accounts and rates as read and the (resolved) policy;
    ``add`` each page of opportunities in ``OPPORTUNITY_SCHEMA`` (extra
    columns are ignored), then ``finish``. Pages may be of any size,
    including one frame of every deal.
    """

    def __init__(
        self,
        accounts: pl.DataFrame,
        rates: pl.DataFrame,
        policy: Policy,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> None:
        if batch_rows < 1:
            raise ValueError(f"batch_rows must be at least 1, got {batch_rows}")
        self.policy = policy
        self.opportunities_added = 0
        self._batch_rows = batch_rows
        self._checks = OpportunityChecks(
            conform(accounts, ACCOUNT_SCHEMA), conform(rates, RATE_SCHEMA), policy
        )
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        self._facts: list[pl.DataFrame] = []
        self._fact_rows = 0
        self._issues = [self._checks.issues]
        self._finished: DigestedDeals | None = None

    def add(self, opportunities: pl.DataFrame) -> None:
        """Take one page of deals; it is checked once enough have gathered."""
        if self._finished is not None:
            raise RuntimeError("the digest is finished; no deal can be added")
        self._pending.append(conform(opportunities, OPPORTUNITY_SCHEMA))
        self._pending_rows += opportunities.height
        self.opportunities_added += opportunities.height
        if self._pending_rows >= self._batch_rows:
            self._digest_pending()

    def finish(self) -> DigestedDeals:
        """The accounts with their facts, and every issue; the same on every
        call, and no page can be added after the first."""
        if self._finished is None:
            if not self._facts:
                # No deal at all still goes through the checks once, so the
                # facts have their columns.
                self._pending.append(empty_frame(OPPORTUNITY_SCHEMA))
            self._digest_pending()
            self._finished = DigestedDeals(
                accounts=with_facts(self._checks.accounts, merge_facts(self._facts)),
                issues=pl.concat(self._issues),
            )
            self._facts, self._issues = [], []
        return self._finished

    def _digest_pending(self) -> None:
        if not self._pending:
            return
        batch = pl.concat(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending, self._pending_rows = [], 0
        clean, issues = self._checks.check(batch)
        self._issues.append(issues)
        self._add_facts(deal_facts(clean, self.policy))
        logger.debug(
            "Digested %d opportunities so far (%d left out in this batch)",
            self.opportunities_added,
            issues.height,
        )

    def _add_facts(self, facts: pl.DataFrame) -> None:
        self._facts.append(facts)
        self._fact_rows += facts.height
        # Merged facts hold at most one row per account; merging only once
        # the partials outnumber the accounts keeps the merges' total cost
        # proportional to the deals.
        if len(self._facts) > 1 and self._fact_rows > self._checks.accounts.height:
            merged = merge_facts(self._facts)
            self._facts, self._fact_rows = [merged], merged.height
