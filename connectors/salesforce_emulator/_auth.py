"""Logins (OAuth 2.0 flows and SOAP) and the sessions they open.

Sessions expire after ``session_seconds`` of inactivity; any authenticated
call renews them, as Salesforce's session timeout does.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import html
import re
import secrets
import threading
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce_emulator._errors import ApiError, EmulatorError

__all__ = ["Authenticator", "Credentials", "OAuthError", "SoapLoginError"]

ORG_ID = "00D8d000000MKPwEAG"
_JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(EmulatorError):
    """A refused token request: OAuth error code and description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class SoapLoginError(EmulatorError):
    """A refused SOAP login, answered as a LoginFault."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclasses.dataclass(frozen=True)
class Credentials:
    """The integration user's secrets and its connected app's keys."""

    client_id: str
    client_secret: str
    username: str
    password: str
    security_token: str

    @classmethod
    def generate(cls) -> Credentials:
        """Fresh random secrets for one emulator run."""
        return cls(
            client_id="3MVG9" + secrets.token_urlsafe(24).replace("-", "A"),
            client_secret=secrets.token_hex(32).upper(),
            username="mkp-integration@example.com",
            password="Pw-" + secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
        )


@dataclasses.dataclass
class _Session:
    user_id: str
    expires_at: float


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Authenticator:
    """Checks credentials, hands out session ids and validates them."""

    def __init__(self, credentials: Credentials, session_seconds: int) -> None:
        self.credentials = credentials
        self.session_seconds = session_seconds
        self._key = _new_key()
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self.login_audience = ""

    def private_key_pem(self) -> bytes:
        """The PEM of the key whose public half signs trusted JWT assertions."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def open_session(self, user_id: str) -> str:
        """A new session id for a user."""
        token = f"{ORG_ID}!AQ" + secrets.token_urlsafe(72)
        with self._lock:
            self._sessions[token] = _Session(
                user_id, time.monotonic() + self.session_seconds
            )
        return token

    def check(self, authorization: str | None) -> tuple[str, str]:
        """The (session id, user id) of a live session, or 401 INVALID_SESSION_ID."""
        scheme, _, token = (authorization or "").partition(" ")
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(token.strip())
            if scheme.lower() not in ("bearer", "oauth") or session is None:
                raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if session.expires_at < now:
                del self._sessions[token.strip()]
                raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            session.expires_at = now + self.session_seconds
        return token.strip(), session.user_id

    def expire(self, authorization: str | None) -> None:
        """End the session a request carries, as a timeout would."""
        token = (authorization or "").partition(" ")[2].strip()
        with self._lock:
            self._sessions.pop(token, None)

    def expire_all(self) -> None:
        """End every session."""
        with self._lock:
            self._sessions.clear()

    def oauth_grant(self, form: dict[str, str], basic: str | None) -> str:
        """Check a token request and name the flow; raises OAuthError."""
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            self._check_client(form, basic)
            return "client_credentials"
        if grant == "password":
            self._check_client(form, basic)
            self._check_password(form.get("username", ""), form.get("password", ""))
            return "password"
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            self._check_assertion(form.get("assertion", ""))
            return "jwt"
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    def _check_client(self, form: dict[str, str], basic: str | None) -> None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if basic:
            try:
                decoded = base64.b64decode(basic, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError(
                    "invalid_client", "invalid client credentials"
                ) from None
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.credentials.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if client_secret != self.credentials.client_secret:
            raise OAuthError("invalid_client", "invalid client credentials")

    def _check_password(self, username: str, password: str) -> None:
        expected = self.credentials.password
        if username != self.credentials.username or password not in (
            expected,
            expected + self.credentials.security_token,
        ):
            raise OAuthError("invalid_grant", "authentication failure")

    def _check_assertion(self, assertion: str) -> None:
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                self._key.public_key(),
                algorithms=["RS256"],
                # simple-salesforce sends "exp" as a string, which PyJWT's own
                # check refuses; Salesforce accepts it, so it is checked below.
                options={"verify_exp": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != self.credentials.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if claims.get("sub") != self.credentials.username:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        if claims.get("aud") not in (*_JWT_AUDIENCES, self.login_audience):
            raise OAuthError("invalid_grant", "audience is invalid")
        try:
            expires = float(claims["exp"])
        except (KeyError, TypeError, ValueError):
            raise OAuthError("invalid_grant", "invalid assertion") from None
        if expires < time.time():
            raise OAuthError("invalid_grant", "expired authorization code")

    def soap_login(self, envelope: str) -> None:
        """Check the username and password+token of a SOAP login envelope."""
        username = _element(envelope, "username")
        password = _element(envelope, "password")
        creds = self.credentials
        if (
            username != creds.username
            or password != creds.password + creds.security_token
        ):
            raise SoapLoginError(
                "INVALID_LOGIN",
                "INVALID_LOGIN: Invalid username, password, security token; or user "
                "locked out.",
            )


def _element(envelope: str, name: str) -> str | None:
    # A pattern instead of an XML parser: the login envelope has a fixed
    # shape, and no entity expansion can be triggered this way.
    match = re.search(
        rf"<(?:\w+:)?{name}(?:\s[^>]*)?>(.*?)</(?:\w+:)?{name}>", envelope, re.DOTALL
    )
    return html.unescape(match.group(1)) if match else None
