"""Cross-site request forgery defences for the web UI.

``SameSite=Strict`` keeps the session cookie from other *sites*, but a page on a sibling
origin of the same site (another subdomain, another port) still sends it. So every
state-changing request to ``/ui`` passes two checks before its route runs:

1. **Where it came from.** ``Sec-Fetch-Site`` (set by the browser, not by pages) must say
   ``same-origin`` when sent; an ``Origin`` must be the service's own, taken from the
   ``public_url`` setting (never from the ``Host`` header); failing that a ``Referer`` must
   be. Our pages send no Referer and, under ``Referrer-Policy: no-referrer``, an ``Origin`` of
   ``null``, which is only believed beside ``Sec-Fetch-Site: same-origin``.
2. **A token only our pages know.** Each browser session gets a random token, kept in its
   signed cookie session; forms carry it as ``csrf_token``, htmx as ``X-CSRF-Token`` (from
   ``hx-headers`` on ``<body>``). It changes at login and is gone after logout.

A refusal raises ``CrossSiteRefused``, which the app answers with a 403 page; nothing runs.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import Request

from safeguarding.adapters.http.services import Config
from safeguarding.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossSiteRefused(Exception):
    """A state-changing UI request that did not come from one of the service's own pages."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def csrf_token(request: Request) -> str:
    """This browser session's token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = renew_token(request)
    return token


def renew_token(request: Request) -> str:
    """A fresh token (at login), so one seen before the login is worth nothing after it."""
    token = secrets.token_urlsafe(32)
    request.session["csrf"] = token
    return token


def public_origin(settings: Settings) -> str:
    """The origin the UI is served from: ``public_url``, or where ``serve`` listens."""
    return origin_of(settings.public_url or f"http://{settings.host}:{settings.port}") or ""


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lowercased, default port dropped; None if none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"


def foreign_source(headers: Mapping[str, str], own: str) -> str | None:
    """Why a request's headers show it was not sent by the service's own pages, or None."""
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return f"the browser says it was sent from a {site} page"
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        return None if origin_of(origin) == own else f"it was sent from {origin}, not {own}"
    if origin == "null" and site != "same-origin":
        return "it was sent from a page whose origin the browser hides"
    referer = headers.get("referer")
    if referer and origin_of(referer) != own:
        return f"it was sent from a page at {origin_of(referer) or 'an unknown place'}, not {own}"
    return None


async def guard(request: Request, config: Config) -> None:
    """The dependency on every UI route: state-changing requests pass both checks or stop."""
    if request.method in SAFE_METHODS:
        return
    own = public_origin(config)
    reason = foreign_source(request.headers, own)
    if reason is not None:
        raise CrossSiteRefused(
            f"This request was refused because {reason}. Open the service at {own} "
            "(the setting SAFEGUARDING_PUBLIC_URL) and try again from its own page."
        )
    sent = request.headers.get(TOKEN_HEADER) or await _form_token(request)
    expected = request.session.get("csrf")
    if not (sent and isinstance(expected, str) and hmac.compare_digest(sent, expected)):
        raise CrossSiteRefused(
            "This form's security token is missing or out of date (after a new login, "
            "for example). Reload the page and try again."
        )


async def _form_token(request: Request) -> str | None:
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return None
    value = (await request.form()).get(TOKEN_FIELD)
    return value if isinstance(value, str) else None
