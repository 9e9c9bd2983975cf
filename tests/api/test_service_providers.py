"""Routes and pages get their services from the providers in ``adapters/http/services.py``.

So one provider's override reaches every handler that names the service, and no handler
reads the container the app was built with.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from safeguarding.adapters.http import services
from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import Container
from safeguarding.domain.access import Role
from tests.conftest import auth

pytestmark = pytest.mark.anyio
ADAPTERS = Path(services.__file__).parents[1]
READS_CONTAINER = re.compile(r"container\(request\)|app\.state\.container")


class FrozenCounts:
    """A stand-in review service whose figures say where they came from."""

    def counts(self, read: object = None) -> object:
        raise LookupError("the overriding review service answered")


async def test_an_overridden_provider_answers_for_the_route(container: Container) -> None:
    key = container.keys.create("test-admin", Role.ADMIN.value)[0]
    app = create_app(container, run_outbox_worker=False)
    app.dependency_overrides[services.review_service] = FrozenCounts
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        with pytest.raises(LookupError, match="overriding review service"):
            await http.get("/v1/figures", headers=auth(key))


def test_no_route_or_page_reads_the_container() -> None:
    readers = sorted(
        str(path.relative_to(ADAPTERS))
        for folder in ("http/routes", "web")
        for path in (ADAPTERS / folder).rglob("*.py")
        if READS_CONTAINER.search(path.read_text())
    )
    # Readiness asks operations.py about the schema, with the container it needs for that.
    assert readers == ["http/routes/common.py", "http/routes/health.py"]
