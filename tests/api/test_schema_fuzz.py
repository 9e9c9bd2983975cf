"""Schemathesis against the running service's own OpenAPI document: every operation, with
every role's key, on generated requests. No answer may be a 500, and every answer must match
the schema the service publishes (status, content type and body).

Each generated request is sent once with each role's key; the calls add up past 2,000 per
run. ``GENERATED`` counts them, and the last test checks the total.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from safeguarding.adapters.http.app import create_app
from safeguarding.bootstrap import build
from safeguarding.domain.access import Role
from tests.conftest import make_settings, record_fuzz_calls
from tests.servers import RunningServer, ingest_one_by_one, known_hashes, running_server

pytestmark = pytest.mark.server
CASES_PER_OPERATION = 12
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
GENERATED: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("schema-fuzz")
    # Keys are verified once and then cached, as in production: Argon2 on every call would
    # make the fuzzer measure the hash function.
    settings = {**known_hashes(workdir), "key_cache_seconds": "30"}
    with running_server(workdir, settings=settings) as running:
        ingest_one_by_one(running)  # stored events, cases and reports give ids to find
        yield running


def published_schema() -> dict[str, Any]:
    """The OpenAPI document the server publishes, built from a throwaway app at collection
    (schemathesis parametrizes at import; the calls then go to the real server)."""
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        container = build(make_settings(f"sqlite:///{data_dir / 'schema.db'}", data_dir))
        try:
            return create_app(container, run_outbox_worker=False).openapi()
        finally:
            container.close()


schema = schemathesis.openapi.from_dict(published_schema())


# One test per operation, each with its own id (schemathesis' own parametrize gives every
# operation the same node id, which pytest-xdist then runs once).
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def label(operation: schemathesis.APIOperation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=label)
def test_no_server_error_and_every_answer_fits_the_schema(
    operation: schemathesis.APIOperation, server: RunningServer
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report the case as found; no shrinking
    )
    def each_role_gets_a_clear_answer(case: schemathesis.Case) -> None:
        for role in Role:  # the same request with each role's key: allowed or refused
            GENERATED.append(f"{role.value} {label(operation)}")
            case.call_and_validate(
                base_url=server.base_url, headers=server.auth(role), checks=CHECKS
            )

    each_role_gets_a_clear_answer()


@pytest.fixture(scope="module", autouse=True)
def enough_cases() -> Iterator[None]:
    """After the module, write what this process generated to test-artifacts/. Under xdist the
    operations are shared among processes; tests/conftest.py adds the counts up at the end of
    the session and fails it when all operations ran on fewer than 2,000 calls."""
    yield
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    record_fuzz_calls(
        worker,
        calls=len(GENERATED),
        covered={call.split(" ", 1)[1] for call in GENERATED},
        operations=len(OPERATIONS),
    )


# -- what the document declares ------------------------------------------------------------
OPEN_OPERATIONS = {"/healthz", "/readyz", "/metrics", "/status", "/status/live"}  # HMA's too


def test_keyed_operations_declare_the_bearer_scheme_and_open_ones_none() -> None:
    """Generated clients send the key only where the document says an operation needs it."""
    document = published_schema()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    declared = {
        (method, path): operation.get("security")
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert {path for (_, path), security in declared.items() if not security} == OPEN_OPERATIONS
    keyed = {str(s) for (_, path), s in declared.items() if path not in OPEN_OPERATIONS}
    assert keyed == {str([{"bearerAuth": []}])}
    assert len(OPERATIONS) == len(declared)  # schemathesis read every operation without error


def test_the_notify_webhook_is_described() -> None:
    notify = published_schema()["webhooks"]["notify"]["post"]
    headers = {p["name"] for p in notify["parameters"] if p["in"] == "header"}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers
    assert "Safeguarding-Signature" in headers
    body = notify["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/NotifyPayload")
