"""The parts underneath Safeguarding, owned by one test so it can break them: a nats-server and
a PostgreSQL server it starts, SIGKILLs or stops hard, and starts again on the same port and
files; a small file system it fills; a network namespace it cuts off.

Each needs a binary or a privilege the machine may lack (mounting, network namespaces); the
fixture that needs one skips, naming what was missing, rather than test something else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import free_port

VENV_NATS = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "nats-server"


def nats_binary() -> str:
    found = str(VENV_NATS) if VENV_NATS.exists() else shutil.which("nats-server")
    if found is None:
        pytest.skip("no nats-server binary")
    return found


@dataclass
class NatsServer:
    """A nats-server with JetStream, syncing every write before it acknowledges it."""

    workdir: Path
    listen: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0

    @property
    def url(self) -> str:
        return f"nats://{self.listen}:{self.port}"

    def start(self) -> None:
        config = self.workdir / "nats.conf"
        config.write_text(
            f"listen: {self.listen}:{self.port}\n"
            "max_payload: 8MB\n"
            "jetstream {\n"
            f'  store_dir: "{self.workdir / "store"}"\n'
            "  sync_interval: always\n"
            "}\n"
        )
        log = (self.workdir / "nats.log").open("ab")
        self.process = subprocess.Popen([nats_binary(), "-c", str(config)], stdout=log, stderr=log)
        _wait_for(lambda: "Server is ready" in _read(self.workdir / "nats.log"), 20, "nats")

    def kill(self) -> None:
        """SIGKILL: nothing is flushed beyond what it synced before acknowledging."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1
        (self.workdir / "nats.log").write_text("")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in a temporary folder of its own under /tmp (the server runs as
    the postgres user, who cannot enter pytest's folders), on its own port."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sg-faults-pg.")))
    listen: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    stops: int = 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def init(self) -> None:
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bindirs:
            pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bindir = bindirs[-1]
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(self.workdir, "postgres")
        self._as_postgres([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                           "-A", "trust", "--no-sync"])  # fmt: skip
        # initdb trusts loopback only; the test's veth link is a private /16 of its own.
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 10.213.0.0/16 trust\n")
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.workdir} -c listen_addresses='{self.listen}' "
            "-c max_connections=200"
        )
        self._as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                           str(self.workdir / "log"), "-w", "-o", options, "start"])  # fmt: skip

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: no checkpoint, clients cut off mid-transaction."""
        self._as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                           "immediate", "stop"])  # fmt: skip
        self.stops += 1

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop_immediately()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _prefix(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(self._prefix() + command, capture_output=True, check=True, timeout=120)


@contextmanager
def small_file_system(path: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` mounted at ``path``, unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """Write one file until the file system is full; return it (delete it to free the disk)."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    # Unbuffered: a buffered file keeps the chunk that did not fit and fails again when it is
    # closed, outside the ``except`` (a CI run raised ENOSPC from the ``with``'s close).
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError:
            pass
    return filler


@dataclass
class Namespace:
    """A network namespace joined to this one by a veth pair on a private /30: this side
    ``host``, the namespace's side ``inside``. ``cut()`` takes the link down, ``heal()``
    brings it back; nothing else is reachable from inside."""

    name: str
    host: str
    inside: str

    def run(self, command: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *command]

    def cut(self) -> None:
        _ip("-n", self.name, "link", "set", f"{self.name}-n", "down")

    def heal(self) -> None:
        _ip("-n", self.name, "link", "set", f"{self.name}-n", "up")


@contextmanager
def network_namespace(octet: int) -> Iterator[Namespace]:
    name = f"sg{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {made.stderr.decode().strip()}")
    host, inside = f"10.213.{octet}.1", f"10.213.{octet}.2"
    remove_leftover(host)
    try:
        _ip("link", "add", f"{name}-h", "type", "veth", "peer", "name", f"{name}-n")
        _ip("link", "set", f"{name}-n", "netns", name)
        _ip("addr", "add", f"{host}/30", "dev", f"{name}-h")
        _ip("link", "set", f"{name}-h", "up")
        for args in (
            ["addr", "add", f"{inside}/30", "dev", f"{name}-n"],
            ["link", "set", f"{name}-n", "up"],
            ["link", "set", "lo", "up"],
        ):
            _ip("-n", name, *args)
        yield Namespace(name, host, inside)
    finally:
        subprocess.run(["ip", "link", "del", f"{name}-h"], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def remove_leftover(host: str) -> None:
    """Take away a namespace a killed run left holding ``host``: its veth would still route
    the /30, and a new worker inside could reach nothing (a test once waited two minutes
    on that). An address held by anything not ours is a failure, named."""
    shown = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "to", f"{host}/32"], capture_output=True, text=True
    )
    for line in shown.stdout.splitlines():
        device = line.split()[1].split("@")[0]
        if not (device.startswith("sg") and device.endswith("-h")):
            pytest.fail(f"{host} is already held by {device}, which is not a test's namespace")
        subprocess.run(["ip", "link", "del", device], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", device[:-2]], capture_output=True, check=False)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, check=True)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _wait_for(check: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not start in {seconds:.0f}s")
