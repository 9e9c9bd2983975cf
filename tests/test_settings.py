"""Settings: one table, environment variables with one prefix, clear errors, masked secrets."""

from __future__ import annotations

import pytest

from safeguarding.domain.errors import InvalidInput
from safeguarding.settings import load_settings
from safeguarding.settings_doc import settings_table


def test_environment_values_are_typed() -> None:
    settings = load_settings(
        {
            "SAFEGUARDING_PORT": "9000",
            "SAFEGUARDING_DETECTORS": "sha256_list, user_report",
            "SAFEGUARDING_SUPPORT_RESOURCES": '{"childline": "Childline: call 0800 1111"}',
            "SAFEGUARDING_TEST_POSTGRES_URL": "belongs to the test suite, ignored",
        }
    )
    assert settings.port == 9000
    assert settings.detectors == ["sha256_list", "user_report"]
    assert settings.support_resources == {"childline": "Childline: call 0800 1111"}


def test_unknown_variable_names_the_closest_setting() -> None:
    with pytest.raises(
        InvalidInput, match=r"SAFEGUARDING_PROT: unknown setting \(did you mean SAFEGUARDING_PORT"
    ):
        load_settings({"SAFEGUARDING_PROT": "1"})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SAFEGUARDING_PORT", "eighty", "SAFEGUARDING_PORT: Input should be a valid integer"),
        (
            "SAFEGUARDING_SUPPORT_RESOURCES",
            "{not json",
            "SAFEGUARDING_SUPPORT_RESOURCES: not valid JSON",
        ),
        (
            "SAFEGUARDING_MAX_BATCH_EVENTS",
            "0",
            "SAFEGUARDING_MAX_BATCH_EVENTS: Input should be greater",
        ),
        (
            "SAFEGUARDING_FORWARDED_ALLOW_IPS",
            "10.0.0.0/8, 10.0.0.300",
            "SAFEGUARDING_FORWARDED_ALLOW_IPS.1: .*'10.0.0.300' does not appear to be an IPv4",
        ),
        ("SAFEGUARDING_FORWARDED_ALLOW_IPS", "*", "SAFEGUARDING_FORWARDED_ALLOW_IPS.0: .*'\\*'"),
    ],
)
def test_wrong_values_are_named(name: str, value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_settings({name: value})


def test_secrets_are_masked_everywhere() -> None:
    settings = load_settings({"SAFEGUARDING_WEBHOOK_SECRET": "hunter2-secret"})
    assert settings.masked()["webhook_secret"] == "**********"
    assert "hunter2-secret" not in repr(settings)
    assert all("hunter2" not in str(row) for row in settings_table())
