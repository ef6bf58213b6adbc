"""REST resources: versions, limits, record counts, describe, query, records,
Collections."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.salesforce_emulator._describe import describe_global, describe_sobject
from connectors.salesforce_emulator._errors import ApiError, RecordError
from connectors.salesforce_emulator._http import (
    Context,
    Endpoint,
    json_response,
    read_json,
    routes_for,
)
from connectors.salesforce_emulator._org import Org
from connectors.salesforce_emulator._query import Cursor
from connectors.salesforce_emulator._schema import SObjectDef
from connectors.salesforce_emulator._store import Row

__all__ = ["rest_routes"]

_RELEASES = {
    52: "Summer '21", 53: "Winter '22", 54: "Spring '22", 55: "Summer '22",
    56: "Winter '23", 57: "Spring '23", 58: "Summer '23", 59: "Winter '24",
    60: "Spring '24", 61: "Summer '24", 62: "Winter '25", 63: "Spring '25",
    64: "Summer '25", 65: "Winter '26",
}  # fmt: skip
# The record-count resource exists from API version 40.0 on.
_RECORD_COUNT_SINCE = 40
_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
_COLLECTION_LIMIT = 200
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# Salesforce caps a batch at 200 rows when two or more long text areas are
# selected, whatever batchSize asks for.
_LONG_TEXT_BATCH = 200


async def versions(request: Request, context: Context) -> Response:
    return json_response(
        [
            {"label": label, "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
            for n, label in _RELEASES.items()
        ]
    )


async def resources(request: Request, context: Context) -> Response:
    base = f"/services/data/v{context.version}"
    names = ["sobjects", "query", "queryAll", "limits", "composite", "jobs/ingest",
             "jobs/query"]  # fmt: skip
    return json_response({name: f"{base}/{name}" for name in names})


async def limits(request: Request, context: Context) -> Response:
    org = context.org
    used, limit = org.api_used(), org.api_limit()
    return json_response(
        {
            "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 1000000, "Remaining": 1000000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DataStorageMB": {"Max": 1024, "Remaining": 1024},
        }
    )


async def record_count(request: Request, context: Context) -> Response:
    """Record counts of the listed objects (all when ``sObjects`` is absent).

    Salesforce ignores a listed object the org does not have and promises no
    order. Its figures are a cached snapshot; the emulator counts live
    records outside the recycle bin unless a ``record_counts`` fault supplies
    stale ones.
    """
    if int(float(context.version)) < _RECORD_COUNT_SINCE:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    org = context.org
    stale = org.faults.record_counts()
    entries: dict[str, dict[str, Any]] = {}
    for sobject in _listed_objects(org, request.query_params.get("sObjects")):
        key = sobject.name.lower()
        count = stale[key] if key in stale else org.store.count_live(sobject)
        if count is not None:
            entries[sobject.name] = {"count": count, "name": sobject.name}

    return json_response({"sObjects": list(entries.values())})


def _listed_objects(org: Org, listed: str | None) -> list[SObjectDef]:
    """The org's objects named in a comma-separated list, unknown names
    dropped; every object when there is no list."""
    if listed is None:
        return org.schema.objects()
    named = (org.schema.get(name.strip()) for name in listed.split(","))
    return list({o.name: o for o in named if o is not None}.values())


def _sobject(context: Context, request: Request) -> SObjectDef:
    name = request.path_params["sobject"]
    sobject = context.org.schema.get(name)
    if sobject is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return sobject


async def sobjects(request: Request, context: Context) -> Response:
    return json_response(describe_global(context.org.schema, context.version))


async def sobject_info(request: Request, context: Context) -> Response:
    full = describe_sobject(_sobject(context, request), context.version)
    basic = {k: v for k, v in full.items() if k not in ("fields", "childRelationships")}
    return json_response({"objectDescribe": basic, "recentItems": []})


async def describe(request: Request, context: Context) -> Response:
    return json_response(describe_sobject(_sobject(context, request), context.version))


def _batch_size(request: Request, default: int) -> int:
    match = _BATCH_SIZE.search(request.headers.get("sforce-query-options", ""))
    return min(2000, max(200, int(match.group(1)))) if match else default


def _page(context: Context, cursor: Cursor, start: int) -> Response:
    org = context.org
    size = cursor.batch_size
    if cursor.plan.long_text_fields >= 2:
        size = min(size, _LONG_TEXT_BATCH)
    cap = org.faults.page_cap()
    if cap is not None:
        size = min(size, cap)
    rows = org.engine.fetch(cursor, start, size)
    end = start + size
    body: dict[str, Any] = {"totalSize": cursor.total, "done": end >= cursor.total}
    if end < cursor.total:
        locator = cursor.locator or org.cursors.open(cursor, context.user_id)
        body["nextRecordsUrl"] = (
            f"/services/data/v{context.version}/query/{locator}-{end}"
        )
    elif cursor.locator:
        org.cursors.close(cursor.locator)
    body["records"] = org.engine.records(cursor.plan, rows, context.version)
    return json_response(body)


async def _query(
    request: Request, context: Context, *, include_deleted: bool
) -> Response:
    soql = request.query_params.get("q", "")
    if not soql.strip():
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    org = context.org
    plan = org.engine.plan(soql, include_deleted=include_deleted)
    batch = _batch_size(request, org.config.default_batch_size)
    cursor = org.engine.execute(plan, include_deleted=include_deleted, batch_size=batch)
    if plan.count_only:
        return json_response({"totalSize": cursor.total, "done": True, "records": []})
    return _page(context, cursor, 0)


async def query(request: Request, context: Context) -> Response:
    return await _query(request, context, include_deleted=False)


async def query_all(request: Request, context: Context) -> Response:
    return await _query(request, context, include_deleted=True)


async def query_more(request: Request, context: Context) -> Response:
    locator, _, offset = request.path_params["locator"].rpartition("-")
    if not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    cursor = context.org.cursors.get(locator)
    if int(offset) > cursor.total:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(context, cursor, int(offset))


def _fields(body: Any) -> Row:
    if not isinstance(body, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "The request body must be a JSON object"
        )
    return {k: v for k, v in body.items() if k != "attributes"}


async def record_get(request: Request, context: Context) -> Response:
    sobject = _sobject(context, request)
    try:
        record_id, _ = context.org.store.locate(sobject, request.path_params["id"])
    except RecordError as error:
        raise error.as_api_error() from None
    wanted = request.query_params.get("fields")
    names = (
        [f.strip() for f in wanted.split(",")]
        if wanted
        else [f.name for f in sobject.fields]
    )
    if not all(_FIELD_NAME.fullmatch(name) for name in names):
        raise ApiError(400, "INVALID_FIELD", f"Invalid field list: {wanted}")
    soql = f"SELECT {', '.join(names)} FROM {sobject.name} WHERE Id = '{record_id}'"  # noqa: S608 - names come from the schema
    org = context.org
    plan = org.engine.plan(soql, include_deleted=False)
    cursor = org.engine.execute(plan, include_deleted=False, batch_size=200)
    return json_response(
        org.engine.records(plan, org.engine.fetch(cursor, 0, 1), context.version)[0]
    )


async def record_update(request: Request, context: Context) -> Response:
    sobject = _sobject(context, request)
    values = _fields(await read_json(request))
    org = context.org
    try:
        record_id = org.api_update(sobject, request.path_params["id"], values)
    except RecordError as error:
        raise error.as_api_error() from None
    org.count_writes(sobject, [record_id])
    return Response(status_code=204)


async def record_delete(request: Request, context: Context) -> Response:
    sobject = _sobject(context, request)
    try:
        context.org.api_delete(sobject, request.path_params["id"])
    except RecordError as error:
        raise error.as_api_error() from None
    return Response(status_code=204)


async def record_create(request: Request, context: Context) -> Response:
    sobject = _sobject(context, request)
    values = _fields(await read_json(request))
    org = context.org
    try:
        record_id = org.api_create(sobject, values)
    except RecordError as error:
        raise error.as_api_error() from None
    org.count_writes(sobject, [record_id])
    return json_response({"id": record_id, "success": True, "errors": []}, 201)


def _collection(body: Any) -> tuple[bool, list[Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected an object with 'records'")
    records = body["records"]
    if len(records) > _COLLECTION_LIMIT:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    return bool(body.get("allOrNone", False)), records


def _collection_target(org: Org, record: Any) -> SObjectDef:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(name, str):
        raise RecordError("INVALID_TYPE", "Must send a concrete entity type.")
    sobject = org.schema.get(name)
    if sobject is None:
        raise RecordError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return sobject


def _update_one(org: Org, record: Any, seen: set[str]) -> tuple[SObjectDef, str]:
    sobject = _collection_target(org, record)
    values = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
    record_id = record.get("id") or record.get("Id")
    if not isinstance(record_id, str):
        raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
    if record_id[:15] in seen:
        raise RecordError("INVALID_FIELD", f"Duplicate id in list: {record_id}", ["Id"])
    seen.add(record_id[:15])
    return sobject, org.api_update(sobject, record_id, values)


def _create_one(org: Org, record: Any, seen: set[str]) -> tuple[SObjectDef, str]:
    sobject = _collection_target(org, record)
    values = {k: v for k, v in record.items() if k != "attributes"}
    return sobject, org.api_create(sobject, values)


async def _collection_write(
    request: Request, context: Context, *, create: bool
) -> Response:
    all_or_none, records = _collection(await read_json(request))
    org = context.org
    write = _create_one if create else _update_one
    results: list[dict[str, Any]] = []
    written: list[tuple[SObjectDef, str]] = []
    seen: set[str] = set()
    with org.store.lock:
        org.store.begin()
        for record in records:
            try:
                written.append(write(org, record, seen))
                results.append({"id": written[-1][1], "success": True, "errors": []})
            except RecordError as error:
                results.append({"success": False, "errors": [error.as_result()]})
        failed = any(not r["success"] for r in results)
        if all_or_none and failed:
            org.store.rollback()
            return json_response([_rolled_back(r) for r in results])
        org.store.commit()
    for sobject, record_id in written:
        org.count_writes(sobject, [record_id])
    return json_response(results)


def _rolled_back(result: dict[str, Any]) -> dict[str, Any]:
    if not result["success"]:
        return result
    error = RecordError(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request "
        "was using AllOrNone header",
    )
    return {"id": result["id"], "success": False, "errors": [error.as_result()]}


async def collections_update(request: Request, context: Context) -> Response:
    return await _collection_write(request, context, create=False)


async def collections_create(request: Request, context: Context) -> Response:
    return await _collection_write(request, context, create=True)


def rest_routes(org: Org) -> list[Route]:
    """Every REST route of the org, the slash and no-slash forms alike."""
    data = "/services/data/v{version}"
    table: list[tuple[str, dict[str, Endpoint]]] = [
        ("/services/data", {"GET": Endpoint("versions", versions,
                            authenticated=False, charged=False, limit_header=False)}),
        (data, {"GET": Endpoint("resources", resources)}),
        (f"{data}/limits", {"GET": Endpoint("limits", limits)}),
        (f"{data}/limits/recordCount", {
            "GET": Endpoint("record_count", record_count)}),
        (f"{data}/sobjects", {"GET": Endpoint("describe_global", sobjects)}),
        (f"{data}/sobjects/{{sobject}}", {
            "GET": Endpoint("sobject_info", sobject_info),
            "POST": Endpoint("sobject_create", record_create)}),
        (f"{data}/sobjects/{{sobject}}/describe", {
            "GET": Endpoint("describe", describe)}),
        (f"{data}/sobjects/{{sobject}}/{{id}}", {
            "GET": Endpoint("sobject_get", record_get),
            "PATCH": Endpoint("sobject_update", record_update),
            "DELETE": Endpoint("sobject_delete", record_delete)}),
        (f"{data}/query", {"GET": Endpoint("query", query)}),
        (f"{data}/queryAll", {"GET": Endpoint("query_all", query_all)}),
        (f"{data}/query/{{locator}}", {"GET": Endpoint("query_more", query_more)}),
        (f"{data}/queryAll/{{locator}}", {"GET": Endpoint("query_more", query_more)}),
        (f"{data}/composite/sobjects", {
            "PATCH": Endpoint("collections_update", collections_update),
            "POST": Endpoint("collections_create", collections_create)}),
    ]  # fmt: skip
    return [
        route for path, endpoints in table for route in routes_for(org, path, endpoints)
    ]
