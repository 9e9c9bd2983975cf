"""Where confirmed authority reports go: a receiver's HTTPS endpoint, or files for upload."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from safeguarding.adapters.cybertipline import CyberTiplineSender
from safeguarding.domain.errors import InvalidInput
from safeguarding.urls import endpoint_problem

# A report's name is "<authority>-<event id>": both closed patterns, neither with a separator.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,255}$")


class FileReportSender:
    """Writes each package to ``folder/NAME.json`` (mode 0600) for manual upload."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def wants_files(self, package: dict[str, Any]) -> bool:
        return False  # the package names its files by hash; the files stay in evidence

    def send(
        self, name: str, package: dict[str, Any], files: Mapping[str, bytes] | None = None
    ) -> str:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self._inside(name)
        # Written beside the target and renamed, so a reader never sees half a report.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".report-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(package, out, indent=2, sort_keys=True)
        os.replace(temporary, target)
        return str(target)

    def withdraw(self, name: str) -> bool:
        """Delete the package's file: the transcript in it goes at its content's retention."""
        target = self._inside(name)
        existed = target.exists()
        target.unlink(missing_ok=True)
        return existed

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

    def wants_files(self, package: dict[str, Any]) -> bool:
        return False  # the package names its files by hash; the files stay in evidence

    def send(
        self, name: str, package: dict[str, Any], files: Mapping[str, bytes] | None = None
    ) -> str:
        answer = self.client.post(self.url, json=package, headers={"Idempotency-Key": name})
        answer.raise_for_status()
        return self.url

    def withdraw(self, name: str) -> bool:
        return False  # the receiver holds it now; nothing is kept here

    def close(self) -> None:
        self.client.close()


class ReportRouter:
    """NCMEC packages to the CyberTipline API; every other package to the default sender."""

    def __init__(
        self, default: FileReportSender | HttpReportSender, cybertipline: CyberTiplineSender
    ) -> None:
        self.default = default
        self.cybertipline = cybertipline

    def _for(
        self, package: dict[str, Any]
    ) -> FileReportSender | HttpReportSender | CyberTiplineSender:
        ncmec = package.get("format") == "ncmec-cybertipline-v1"
        return self.cybertipline if ncmec else self.default

    def wants_files(self, package: dict[str, Any]) -> bool:
        return self._for(package).wants_files(package)

    def send(
        self, name: str, package: dict[str, Any], files: Mapping[str, bytes] | None = None
    ) -> str:
        return self._for(package).send(name, package, files or {})

    def withdraw(self, name: str) -> bool:
        return self.default.withdraw(name)  # the CyberTipline keeps nothing here

    def close(self) -> None:
        self.cybertipline.close()
        if isinstance(self.default, HttpReportSender):
            self.default.close()
