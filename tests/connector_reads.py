"""All of a connector's opportunities as one extract, for tests that look at
them whole; the pipeline itself folds the pages one by one."""

from __future__ import annotations

from connectors import CrmConnector, Extract
from connectors.base import joined_pages
from mkp_core import OPPORTUNITY_SCHEMA


def read_opportunities(connector: CrmConnector) -> Extract:
    """Every page of ``connector.iter_opportunities()`` joined."""
    return joined_pages(connector.iter_opportunities(), OPPORTUNITY_SCHEMA)
