"""The admin API under ``/_emulator/``: stats, fault plans and reset.

It needs no session and is not charged as API usage, so reading stats never
changes them.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.salesforce_emulator._errors import EmulatorError
from connectors.salesforce_emulator._org import Org

__all__ = ["admin_routes"]


def admin_routes(org: Org) -> list[Route]:
    """Routes of the admin API bound to one org."""

    async def stats(request: Request) -> Response:
        return JSONResponse(org.stats_snapshot())

    async def faults(request: Request) -> Response:
        try:
            plan = json.loads(await request.body() or b"{}")
            org.set_faults(list(plan.get("faults", [])))
        except (ValueError, AttributeError, TypeError, EmulatorError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"faults": len(plan.get("faults", []))})

    async def reset(request: Request) -> Response:
        options = json.loads(await request.body() or b"{}")
        org.reset(clear_data=bool(options.get("data", False)))
        return JSONResponse({"reset": True})

    return [
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/faults", faults, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
    ]
