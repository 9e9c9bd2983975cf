"""Where confirmed authority reports go: a receiver's HTTPS endpoint, or files for upload."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx

from safeguarding.domain.errors import InvalidInput
from safeguarding.urls import endpoint_problem

# A report's name is "<authority>-<event id>": both closed patterns, neither with a separator.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,255}$")


class FileReportSender:
    """Writes each package to ``folder/NAME.json`` (mode 0600) for manual upload."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, name: str, package: dict[str, Any]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self._inside(name)
        # Written beside the target and renamed, so a reader never sees half a report.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".report-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(package, out, indent=2, sort_keys=True)
        os.replace(temporary, target)
        return str(target)

    def _inside(self, name: str) -> Path:
        """``folder/NAME.json``, refused unless it is a plain file name that stays in the folder
        (the policy validator keeps authority names closed; this is the second line)."""
        folder = self.folder.resolve()
        target = (folder / f"{name}.json").resolve()
        if not SAFE_NAME.match(name) or target.parent != folder:
            raise InvalidInput(f"the report name {name!r} would leave the reports folder")
        return target


class HttpReportSender:
    """POSTs each package as JSON to the configured endpoint; any non-2xx answer is an error.

    The endpoint must be https:// (settings refuse others at start-up; this refuses again, so
    the token never goes over plain http). Redirects are not followed.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 30.0,
        allow_insecure: bool = False,
    ) -> None:
        problem = endpoint_problem(url, allow_insecure)
        if problem:
            raise InvalidInput(f"the report endpoint {problem}")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self.client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)

    def send(self, name: str, package: dict[str, Any]) -> str:
        answer = self.client.post(self.url, json=package, headers={"Idempotency-Key": name})
        answer.raise_for_status()
        return self.url

    def close(self) -> None:
        self.client.close()
