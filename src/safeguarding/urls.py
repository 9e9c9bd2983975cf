"""What a URL may give away, and where secrets may be sent.

Settings hold URLs with credentials in them (a database password, a NATS token, a signed
webhook query); :func:`mask_url` hides them wherever a URL is shown or logged.
:func:`endpoint_problem` says whether an endpoint may receive a bearer token or a report.
``Network`` is a setting's address or network (the proxies trusted to name the client).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator

MASK = "**********"


# Query parameters whose values are credentials, by name (lowercase, '-' read as '_').
SECRET_PARAMETERS = re.compile(
    r"(^|_)(token|api_?key|key|secret|password|passwd|pwd|pass|auth|signature|sig|credential|code)s?$"
)


def mask_url(text: str) -> str:
    """``text`` with any credentials in it masked, if it is a URL: the user's password (or a
    lone user name, which NATS and HTTP basic auth read as a token) and secret-named query
    parameters. Anything else comes back unchanged."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or not parts.netloc:
        return text
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if has_password else f"{MASK}@{hostport}"
    query = "&".join(_masked_parameter(p) for p in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _masked_parameter(pair: str) -> str:
    name, has_value, _ = pair.partition("=")
    secret = SECRET_PARAMETERS.search(name.lower().replace("-", "_"))
    return f"{name}={MASK}" if has_value and secret else pair


def endpoint_problem(url: str, allow_insecure: bool) -> str | None:
    """Why ``url`` may not receive reports or webhooks, or None: it must be https://, or
    http:// to a loopback address (a local receiver or TLS proxy), or http:// anywhere when
    SAFEGUARDING_ALLOW_INSECURE_ENDPOINTS allows it. The URL is not echoed: it may hold a
    password."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme == "https" and host:
        return None
    if scheme == "http" and host and (allow_insecure or _is_loopback(host)):
        return None
    return (
        "must be an https:// URL (what is sent there is secret); plain http:// is allowed "
        "only to a loopback address, or anywhere with SAFEGUARDING_ALLOW_INSECURE_ENDPOINTS=true "
        "for local testing"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _network(value: str) -> str:
    ipaddress.ip_network(value, strict=False)  # its ValueError names the entry
    return value


Network = Annotated[str, AfterValidator(_network)]  # an address, or a network such as 10.0.0.0/8
