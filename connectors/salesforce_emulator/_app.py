"""The Starlette application of one emulated org."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.salesforce_emulator._admin import admin_routes
from connectors.salesforce_emulator._bulk import bulk_routes
from connectors.salesforce_emulator._http import json_response
from connectors.salesforce_emulator._login import login_routes
from connectors.salesforce_emulator._org import Org
from connectors.salesforce_emulator._rest import rest_routes

__all__ = ["build_app"]

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def _not_found(request: Request) -> Response:
    return json_response(
        [
            {
                "errorCode": "NOT_FOUND",
                "message": "The requested resource does not exist",
            }
        ],
        404,
    )


def build_app(org: Org) -> Starlette:
    """Every route of the org, with a Salesforce-shaped 404 for the rest."""
    routes = [
        *admin_routes(org),
        *login_routes(org),
        *bulk_routes(org),
        *rest_routes(org),
        Route("/{path:path}", _not_found, methods=_METHODS),
    ]
    return Starlette(routes=routes)
