"""Login endpoints: the OAuth 2.0 token endpoint and SOAP ``login()``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.salesforce_emulator._auth import ORG_ID, OAuthError, SoapLoginError
from connectors.salesforce_emulator._http import Context, Endpoint, routes_for
from connectors.salesforce_emulator._org import Org

__all__ = ["login_routes"]

_SOAP_OK = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><loginResponse><result>
<metadataServerUrl>{instance}/services/Soap/m/{version}/{org}</metadataServerUrl>
<passwordExpired>false</passwordExpired>
<sandbox>false</sandbox>
<serverUrl>{instance}/services/Soap/u/{version}/{org}</serverUrl>
<sessionId>{session}</sessionId>
<userId>{user}</userId>
<userInfo><organizationId>{org}</organizationId>\
<organizationMultiCurrency>{multi}</organizationMultiCurrency>\
<sessionSecondsValid>{seconds}</sessionSecondsValid>\
<userId>{user}</userId><userName>{username}</userName>\
<userTimeZone>GMT</userTimeZone></userInfo>
</result></loginResponse></soapenv:Body></soapenv:Envelope>"""

_SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>\
<faultstring>{message}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def _basic_credentials(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "basic" else None


async def oauth_token(request: Request, context: Context) -> Response:
    org = context.org
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        flow = org.auth.oauth_grant(form, _basic_credentials(request))
    except OAuthError as error:
        status = 401 if error.error == "invalid_client" else 400
        return JSONResponse(
            {"error": error.error, "error_description": error.description}, status
        )
    org.stats.count_login(flow)
    session = org.auth.open_session(org.integration_user_id)
    issued_at = str(int(time.time() * 1000))
    identity = f"{org.instance_url}/id/{ORG_ID}/{org.integration_user_id}"
    signature = hmac.new(
        org.credentials.client_secret.encode(),
        (identity + issued_at).encode(),
        hashlib.sha256,
    ).digest()
    return JSONResponse(
        {
            "access_token": session,
            "scope": "api",
            "instance_url": org.instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
        }
    )


async def soap_login(request: Request, context: Context) -> Response:
    org = context.org
    envelope = (await request.body()).decode("utf-8", "replace")
    try:
        org.auth.soap_login(envelope)
    except SoapLoginError as error:
        body = _SOAP_FAULT.format(code=error.code, message=escape(error.message))
        return Response(body, 500, media_type="text/xml;charset=UTF-8")
    org.stats.count_login("soap")
    session = org.auth.open_session(org.integration_user_id)
    body = _SOAP_OK.format(
        instance=org.instance_url,
        version=context.version,
        org=ORG_ID,
        session=session,
        user=org.integration_user_id,
        username=escape(org.credentials.username),
        multi="true" if org.schema.multi_currency else "false",
        seconds=org.config.session_seconds,
    )
    return Response(body, 200, media_type="text/xml;charset=UTF-8")


def login_routes(org: Org) -> list[Route]:
    """The token endpoint and the SOAP login endpoint; logins are not API calls."""
    oauth = Endpoint("login", oauth_token, authenticated=False, charged=False,
                     limit_header=False)  # fmt: skip
    soap = Endpoint("login", soap_login, authenticated=False, charged=False,
                    limit_header=False)  # fmt: skip
    return [
        *routes_for(org, "/services/oauth2/token", {"POST": oauth}),
        *routes_for(org, "/services/Soap/u/{version}", {"POST": soap}),
    ]
