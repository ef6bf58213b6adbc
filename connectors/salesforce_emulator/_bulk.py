"""Bulk API 2.0 endpoints under ``/services/data/vNN.N/jobs/``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.salesforce_emulator._errors import ApiError
from connectors.salesforce_emulator._http import (
    Context,
    Endpoint,
    json_response,
    read_json,
    routes_for,
)
from connectors.salesforce_emulator._jobs import (
    DELIMITERS,
    INGEST_OPERATIONS,
    LINE_ENDINGS,
    IngestJob,
    Jobs,
    JobState,
    QueryJob,
    write_csv,
)
from connectors.salesforce_emulator._org import Org

__all__ = ["bulk_routes"]

_CSV = "text/csv;charset=UTF-8"
_DEFAULT_MAX_RECORDS = 50_000


def _invalid(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


def _format(body: dict[str, Any]) -> tuple[str, str]:
    delimiter = DELIMITERS.get(str(body.get("columnDelimiter", "COMMA")))
    ending = LINE_ENDINGS.get(str(body.get("lineEnding", "LF")))
    if delimiter is None or ending is None:
        raise _invalid("Invalid columnDelimiter or lineEnding")
    return delimiter, ending


def _ingest_info(job: IngestJob, context: Context) -> dict[str, Any]:
    info = job.base_info(context.user_id)
    info.update(
        object=job.sobject.name,
        externalIdFieldName=job.external_id,
        jobType="V2Ingest",
        contentUrl=f"services/data/v{job.version}/jobs/ingest/{job.id}/batches",
        numberRecordsProcessed=len(job.successful) + len(job.failed),
        numberRecordsFailed=len(job.failed),
        retries=0,
        totalProcessingTime=0,
        apiActiveProcessingTime=0,
        apexProcessingTime=0,
    )
    if job.error_message:
        info["errorMessage"] = job.error_message
    return info


def _query_info(job: QueryJob, context: Context) -> dict[str, Any]:
    info = job.base_info(context.user_id)
    info.update(object=job.sobject_name, jobType="V2Query", retries=0,
                totalProcessingTime=0)  # fmt: skip
    if job.cursor is not None and job.state is JobState.JOB_COMPLETE:
        info["numberRecordsProcessed"] = job.cursor.total
    if job.error_message:
        info["errorMessage"] = job.error_message
    return info


def bulk_routes(org: Org) -> list[Route]:
    """Routes of Bulk API 2.0 query and ingest jobs bound to one org."""
    jobs = Jobs(org)
    org.on_reset.append(jobs.clear)

    async def ingest_create(request: Request, context: Context) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise _invalid("Invalid job definition")
        operation = str(body.get("operation", ""))
        if operation not in INGEST_OPERATIONS:
            raise _invalid(f"Invalid operation: {operation}")
        sobject = org.schema.get(str(body.get("object", "")))
        if sobject is None:
            raise _invalid(f"Unable to find object: {body.get('object')}")
        if (
            operation == "upsert"
            and str(body.get("externalIdFieldName", "")).lower() != "id"
        ):
            raise _invalid("The emulator supports upsert on the Id field only")
        delimiter, ending = _format(body)
        job = IngestJob(
            id=org.store.ids.new("750"), operation=operation, version=context.version,
            delimiter=delimiter, line_ending=ending, state=JobState.OPEN,
            sobject=sobject, external_id=body.get("externalIdFieldName"),
        )  # fmt: skip
        jobs.add(job)
        return json_response(_ingest_info(job, context))

    async def ingest_upload(request: Request, context: Context) -> Response:
        job = jobs.get_ingest(request.path_params["job_id"])
        if job.state is not JobState.OPEN:
            raise ApiError(409, "INVALIDJOBSTATE", f"Job is in state {job.state}")
        body = await request.body()
        try:
            job.uploads.append(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(400, "INVALIDJOB", "Upload must be UTF-8") from None
        return Response(status_code=201)

    async def ingest_patch(request: Request, context: Context) -> Response:
        job = jobs.get_ingest(request.path_params["job_id"])
        wanted = str((await read_json(request) or {}).get("state", ""))
        if wanted == JobState.ABORTED and job.state in (
            JobState.OPEN, JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS):  # fmt: skip
            job.state = JobState.ABORTED
        elif wanted == JobState.UPLOAD_COMPLETE and job.state is JobState.OPEN:
            job.state = JobState.UPLOAD_COMPLETE
            info = _ingest_info(job, context)
            jobs.process(job)
            return json_response(info)
        else:
            raise ApiError(409, "INVALIDJOBSTATE", f"Job is in state {job.state}")
        return json_response(_ingest_info(job, context))

    async def ingest_status(request: Request, context: Context) -> Response:
        job = jobs.get_ingest(request.path_params["job_id"])
        return json_response(_ingest_info(job, context))

    async def ingest_delete(request: Request, context: Context) -> Response:
        job = jobs.get_ingest(request.path_params["job_id"])
        if job.state not in (JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED):
            raise ApiError(409, "INVALIDJOBSTATE", f"Job is in state {job.state}")
        jobs.remove(job.id)
        return Response(status_code=204)

    def _results(kind: str) -> Any:
        async def results(request: Request, context: Context) -> Response:
            job = jobs.get_ingest(request.path_params["job_id"])
            if job.state not in (
                JobState.JOB_COMPLETE,
                JobState.FAILED,
                JobState.ABORTED,
            ):
                raise ApiError(409, "INVALIDJOBSTATE", f"Job is in state {job.state}")
            header = {
                "successfulResults": ["sf__Id", "sf__Created", *job.header],
                "failedResults": ["sf__Id", "sf__Error", *job.header],
                "unprocessedrecords": list(job.header),
            }[kind]
            rows = {"successfulResults": job.successful, "failedResults": job.failed,
                    "unprocessedrecords": job.unprocessed}[kind]  # fmt: skip
            return Response(write_csv(header, rows, job), media_type=_CSV)

        return results

    async def query_create(request: Request, context: Context) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict) or body.get("operation") not in (
            "query",
            "queryAll",
        ):
            raise _invalid("Invalid operation: query jobs take query or queryAll")
        include_deleted = body["operation"] == "queryAll"
        plan = org.engine.plan(
            str(body.get("query", "")), include_deleted=include_deleted
        )
        if plan.count_only:
            raise _invalid("Aggregate queries are not supported by Bulk API 2.0 query")
        delimiter, ending = _format(body)
        job = QueryJob(
            id=org.store.ids.new("750"), operation=body["operation"],
            version=context.version, delimiter=delimiter, line_ending=ending,
            state=JobState.UPLOAD_COMPLETE, query=str(body["query"]),
            sobject_name=plan.sobject.name,
        )  # fmt: skip
        info = _query_info(job, context)
        job.cursor = org.engine.execute(
            plan, include_deleted=include_deleted, batch_size=2000
        )
        job.state = JobState.JOB_COMPLETE
        jobs.add(job)
        return json_response(info)

    async def query_status(request: Request, context: Context) -> Response:
        return json_response(
            _query_info(jobs.get_query(request.path_params["job_id"]), context)
        )

    async def query_patch(request: Request, context: Context) -> Response:
        job = jobs.get_query(request.path_params["job_id"])
        wanted = str((await read_json(request) or {}).get("state", ""))
        if wanted != JobState.ABORTED or job.state is not JobState.UPLOAD_COMPLETE:
            raise ApiError(409, "INVALIDJOBSTATE", f"Job is in state {job.state}")
        job.state = JobState.ABORTED
        return json_response(_query_info(job, context))

    async def query_delete(request: Request, context: Context) -> Response:
        jobs.get_query(request.path_params["job_id"])
        jobs.remove(request.path_params["job_id"])
        return Response(status_code=204)

    async def query_results(request: Request, context: Context) -> Response:
        job = jobs.get_query(request.path_params["job_id"])
        if job.state is not JobState.JOB_COMPLETE or job.cursor is None:
            raise ApiError(412, "JOB_NOT_COMPLETE", "Job is not complete")
        start = _decode_locator(request.query_params.get("locator"))
        size = _max_records(request.query_params.get("maxRecords"))
        cap = org.faults.page_cap()
        size = min(size, cap) if cap is not None else size
        rows = org.engine.fetch(job.cursor, start, size)
        end = start + size
        header = [f.header for f in job.cursor.plan.fields]
        text = write_csv(header, org.engine.csv_rows(job.cursor.plan, rows), job)
        locator = _encode_locator(end) if end < job.cursor.total else "null"
        headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(len(rows))}
        return Response(text, media_type=_CSV, headers=headers)

    data = "/services/data/v{version}/jobs"
    job_path = "{job_id}"
    table: list[tuple[str, dict[str, Endpoint]]] = [
        (f"{data}/ingest", {"POST": Endpoint("bulk_ingest_create", ingest_create)}),
        (f"{data}/ingest/{job_path}/batches", {
            "PUT": Endpoint("bulk_ingest_upload", ingest_upload)}),
        (f"{data}/ingest/{job_path}", {
            "GET": Endpoint("bulk_ingest_status", ingest_status),
            "PATCH": Endpoint("bulk_ingest_close", ingest_patch),
            "DELETE": Endpoint("bulk_ingest_delete", ingest_delete)}),
        *((f"{data}/ingest/{job_path}/{kind}", {
            "GET": Endpoint("bulk_ingest_results", _results(kind))})
          for kind in ("successfulResults", "failedResults", "unprocessedrecords")),
        (f"{data}/query", {"POST": Endpoint("bulk_query_create", query_create)}),
        (f"{data}/query/{job_path}", {
            "GET": Endpoint("bulk_query_status", query_status),
            "PATCH": Endpoint("bulk_query_abort", query_patch),
            "DELETE": Endpoint("bulk_query_delete", query_delete)}),
        (f"{data}/query/{job_path}/results", {
            "GET": Endpoint("bulk_query_results", query_results)}),
    ]  # fmt: skip
    return [
        route for path, endpoints in table for route in routes_for(org, path, endpoints)
    ]


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str | None) -> int:
    if not locator or locator == "null":
        return 0
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def _max_records(value: str | None) -> int:
    if value is None:
        return _DEFAULT_MAX_RECORDS
    if not value.isdigit() or int(value) < 1:
        raise ApiError(400, "INVALIDMAXRECORDS", f"Invalid maxRecords: {value}")
    return int(value)
