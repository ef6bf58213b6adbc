"""The request pipeline every emulated API call goes through.

Order matters and mirrors Salesforce: a scripted fault answers first (a CDN
error page never reaches the org), then the session is checked, then the
call is charged against the daily allowance, then the handler runs. Every
REST answer except the versions list carries ``Sforce-Limit-Info``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from connectors.salesforce_emulator._errors import ApiError
from connectors.salesforce_emulator._faults import FaultKind
from connectors.salesforce_emulator._org import Org

__all__ = [
    "Context",
    "Endpoint",
    "Handler",
    "json_response",
    "read_json",
    "routes_for",
]

_VERSION = re.compile(r"^\d{2,3}\.\d$")
# Salesforce refuses a URI plus headers beyond 16 KB with an HTML page.
_MAX_URL_BYTES = 16_384


@dataclasses.dataclass
class Context:
    """What the pipeline learned about a request before the handler runs."""

    org: Org
    version: str = ""
    session: str = ""
    user_id: str = ""


Handler = Callable[[Request, Context], Awaitable[Response]]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One operation: its stats name, handler and how the pipeline treats it."""

    operation: str
    handler: Handler
    authenticated: bool = True
    charged: bool = True
    limit_header: bool = True


def json_response(content: Any, status: int = 200) -> JSONResponse:
    """A JSON answer with Salesforce's content type."""
    return JSONResponse(
        content, status_code=status, media_type="application/json;charset=UTF-8"
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: Request) -> Any:
    """The request body as JSON, or 400 JSON_PARSER_ERROR (NaN included)."""
    body = await request.body()
    try:
        return json.loads(body or b"null", parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(
            400, "JSON_PARSER_ERROR", f"Unexpected character: {error}"
        ) from None


def _html(status: int, title: str) -> HTMLResponse:
    page = (
        f"<html><head><title>{status} {title}</title></head>"
        f"<body><h1>{title}</h1></body></html>"
    )
    return HTMLResponse(page, status_code=status)


def _canned(kind: FaultKind) -> Response | None:
    responses: dict[FaultKind, Callable[[], Response]] = {
        FaultKind.HTTP_503_JSON: lambda: json_response(
            [
                {
                    "message": "Server too busy. Please try again later.",
                    "errorCode": "SERVER_UNAVAILABLE",
                }
            ],
            503,
        ),
        FaultKind.HTTP_500_JSON: lambda: json_response(
            [
                {
                    "message": "An unexpected error occurred. Please include this "
                    "ErrorId if you contact support: 1386243165-19842 (-1284541929)",
                    "errorCode": "UNKNOWN_EXCEPTION",
                }
            ],
            500,
        ),
        FaultKind.HTTP_503_HTML: lambda: _html(503, "Service Unavailable"),
        FaultKind.HTTP_502_HTML: lambda: _html(502, "Bad Gateway"),
        FaultKind.HTTP_414: lambda: _html(414, "Request-URI Too Large"),
        FaultKind.HTTP_431: lambda: _html(431, "Request Header Fields Too Large"),
    }
    factory = responses.get(kind)
    return factory() if factory is not None else None


async def _run(endpoint: Endpoint, request: Request, org: Org) -> Response:
    org.stats.count_call(endpoint.operation)
    injection, fault = org.faults.on_request(endpoint.operation)
    if injection.delay_seconds:
        await asyncio.sleep(injection.delay_seconds)
    if fault is not None:
        org.stats.count_fault({**fault, "kind": str(fault["kind"])})
    if injection.kind is FaultKind.EXPIRE_SESSION:
        org.auth.expire(request.headers.get("authorization"))
    canned = _canned(injection.kind) if injection.kind else None
    if canned is not None:
        return canned
    if len(str(request.url)) > _MAX_URL_BYTES:
        return _html(414, "Request-URI Too Large")

    context = Context(org, version=request.path_params.get("version", ""))
    try:
        response = await _guarded(endpoint, request, context, injection.kind)
    except ApiError as error:
        response = json_response(error.body(), error.status)
    if endpoint.limit_header and response.status_code != 401:
        response.headers["Sforce-Limit-Info"] = org.limit_info()
    return response


async def _guarded(
    endpoint: Endpoint, request: Request, context: Context, fault: FaultKind | None
) -> Response:
    org = context.org
    if "version" in request.path_params and not _VERSION.match(context.version):
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    if endpoint.authenticated:
        context.session, context.user_id = org.auth.check(
            request.headers.get("authorization")
        )
    if fault is FaultKind.REQUEST_LIMIT:
        raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    if endpoint.charged:
        org.charge_api_call()
    return await endpoint.handler(request, context)


def routes_for(org: Org, path: str, endpoints: dict[str, Endpoint]) -> list[Route]:
    """Routes for a path with and without its trailing slash, by HTTP method."""

    async def dispatch(request: Request) -> Response:
        endpoint = endpoints.get(request.method)
        if endpoint is None:
            allowed = ",".join(sorted(endpoints))
            message = (
                f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
            )
            error = {"message": message, "errorCode": "METHOD_NOT_ALLOWED"}
            return json_response([error], 405)
        return await _run(endpoint, request, org)

    methods = [*endpoints, *(m for m in ("GET", "PATCH", "POST", "PUT", "DELETE"))]
    unique = sorted(set(methods))
    return [Route(p, dispatch, methods=unique) for p in (path, path.rstrip("/") + "/")]
