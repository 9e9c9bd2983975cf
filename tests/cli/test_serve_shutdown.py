"""`safeguarding serve` stopped with SIGTERM, as a service manager stops it, after its media
worker pool has started: it exits 0 and leaves no semaphores behind (issue 18, point 5)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

from safeguarding.bootstrap import build
from safeguarding.domain.access import Role
from safeguarding.settings import load_settings
from tests import factories as f
from tests.servers import (
    STOP_SECONDS,
    create_keys,
    free_port,
    process_env,
    server_environment,
    wait_ready,
)


def test_sigterm_after_an_upload_exits_0_without_leaked_semaphores(tmp_path: Path) -> None:
    environment = server_environment(tmp_path, None, {})
    container = build(load_settings(environment))
    try:
        key = create_keys(container)[Role.PLATFORM]
    finally:
        container.close()
    port = free_port()
    # A pipe, not a file: reading it to the end waits for every process that holds it, the
    # pool's workers and multiprocessing's resource tracker (which prints the warning) too.
    process = subprocess.Popen(
        [sys.executable, "-m", "safeguarding.adapters.cli.main", "serve", "--port", str(port)],
        env=process_env(environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr_copy = tmp_path / "server.stderr"
    try:
        base_url = f"http://127.0.0.1:{port}"
        stderr_copy.write_text("")  # wait_ready shows it if the server dies first
        wait_ready(process, base_url, stderr_copy)
        upload = f.media(data=f.benign_png("shutdown"))  # starts the media worker pool
        answer = httpx.post(
            f"{base_url}/v1/events",
            json=upload,
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=STOP_SECONDS * 2)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    shown = stderr.decode(errors="replace")
    assert process.returncode == 0, shown
    assert "leaked" not in shown, shown
    assert "Traceback" not in shown, shown
