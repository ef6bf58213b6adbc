"""A ``requests`` session that reaches the emulator the way it reaches Salesforce.

simple-salesforce always logs in at ``https://<domain>.salesforce.com``; the
adapter sends those requests to the emulator instead. The session also pins
certificate verification to the emulator's CA: with ``trust_env`` on,
``requests`` would otherwise let ``REQUESTS_CA_BUNDLE`` or
``CURL_CA_BUNDLE`` silently replace ``Session.verify``. Proxy settings from
the environment keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

__all__ = ["PinnedVerifySession", "emulator_session"]


class PinnedVerifySession(requests.Session):
    """A session whose own ``verify`` wins over CA-bundle environment variables."""

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> Any:
        if verify is None:
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


class _LoginHostAdapter(HTTPAdapter):
    def __init__(self, netloc: str) -> None:
        super().__init__()
        self._netloc = netloc

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        if (parts.hostname or "").endswith(".salesforce.com"):
            request.url = urlunsplit(parts._replace(netloc=self._netloc))
        return super().send(request, stream, timeout, verify, cert, proxies)


def emulator_session(instance_url: str, ca_file: str) -> requests.Session:
    """A session that verifies with ``ca_file`` and routes Salesforce login hosts."""
    session = PinnedVerifySession()
    session.verify = ca_file
    session.mount("https://", _LoginHostAdapter(urlsplit(instance_url).netloc))
    return session
