"""Logging in to the web UI as a browser does, for tests in tests/api and tests/web alike.

A state-changing /ui request must carry the session's CSRF token (adapters/web/csrf.py), so a
test client that skipped it would be refused by the CSRF check, not by the rule under test.
``ui_login`` logs in through the form and keeps the token as the ``X-CSRF-Token`` default
header (the one htmx sends), so every later post of that client carries it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# The title of the 403 page the CSRF checks answer with (adapters/web/routes.py).
CSRF_REFUSAL = "Refused: not sent from this service"


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a UI page carries in its forms."""
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return found.group(1)


async def ui_login(client: httpx.AsyncClient, key: str) -> httpx.Response:
    """Log in through the login form, as a browser would, and keep the session's CSRF token
    as a default header (the one htmx sends), so later form posts carry it."""
    token = TOKEN.search((await client.get("/ui/login")).text)
    data = {"api_key": key, **({"csrf_token": token.group(1)} if token else {})}
    done = await client.post("/ui/login", data=data)
    renewed = TOKEN.search((await client.get("/ui/login")).text)  # any page shows it
    if done.status_code == 303 and renewed:
        client.headers["X-CSRF-Token"] = renewed.group(1)
    return done


@asynccontextmanager
async def ui_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of ``app``, not logged in."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


@asynccontextmanager
async def browser(app: Any, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a UI session, as a logged-in browser would."""
    async with ui_client(app) as client:
        done = await ui_login(client, key)
        assert done.status_code == 303, done.text
        yield client
