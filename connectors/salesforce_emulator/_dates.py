"""SOQL date literals (TODAY, LAST_N_DAYS:n…) as half-open UTC ranges."""

from __future__ import annotations

import datetime as dt

__all__ = ["date_literal_range"]


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _fixed(today: dt.date, name: str) -> tuple[dt.date, dt.date] | None:
    day = dt.timedelta(days=1)
    ranges = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "THIS_MONTH": (_month_start(today), _month_start(today, -1)),
        "LAST_MONTH": (_month_start(today, 1), _month_start(today)),
        "THIS_YEAR": (dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)),
        "LAST_YEAR": (dt.date(today.year - 1, 1, 1), dt.date(today.year, 1, 1)),
    }
    return ranges.get(name)


def _with_n(today: dt.date, name: str, n: int) -> tuple[dt.date, dt.date] | None:
    day = dt.timedelta(days=1)
    ranges = {
        # LAST_N_DAYS:n covers today and the n days before it.
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "LAST_N_MONTHS": (_month_start(today, n), _month_start(today)),
        "LAST_N_YEARS": (dt.date(today.year - n, 1, 1), dt.date(today.year, 1, 1)),
    }
    return ranges.get(name)


def date_literal_range(
    name: str, n: int | None, today: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The [start, end) days a literal covers, or None if it is not one we know."""
    if n is None:
        return _fixed(today, name)
    return _with_n(today, name, n)
