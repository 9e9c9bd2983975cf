"""The `safeguarding` command."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

import typer
import uvicorn

from safeguarding import __version__
from safeguarding.adapters import audit_signing, logs
from safeguarding.adapters.cli import (
    audit,
    banks,
    compliance,
    conversations,
    db,
    evidence,
    hashes,
    keys,
    policy,
    reports,
    retention,
    risk,
    sharing,
    text,
    transparency,
)
from safeguarding.adapters.cli.common import (
    allow_create,
    announce_database,
    console,
    database_label,
    err,
    friendly_errors,
    open_container,
    settings,
)
from safeguarding.adapters.cli.demo import run_demo
from safeguarding.adapters.cli.ingest import ingest_file, print_summary, read_events
from safeguarding.adapters.cli.listen import ensure_port_free
from safeguarding.adapters.http.app import create_app
from safeguarding.adapters.metrics import serve_worker_metrics
from safeguarding.bootstrap import Container, attach_stream, stream_consumer
from safeguarding.settings import PREFIX, Settings
from safeguarding.settings_doc import settings_table
from safeguarding.urls import mask_url

log = logging.getLogger("safeguarding.cli")
app = typer.Typer(
    help="Safeguarding: a child online-safety engine. Events in, explained decisions out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(keys.app, name="keys")
app.add_typer(policy.app, name="policy")
app.add_typer(db.app, name="db")
app.add_typer(hashes.app, name="hashes")
app.add_typer(evidence.app, name="evidence")
app.add_typer(reports.app, name="reports")
app.add_typer(transparency.app, name="report")
app.add_typer(banks.app, name="banks")
app.add_typer(risk.app, name="risk")
app.add_typer(sharing.app, name="sharing")
app.command("compliance")(compliance.compliance)
app.add_typer(audit.app, name="audit")
app.add_typer(retention.app, name="retention")
eval_app = typer.Typer(
    help="Measure detectors on labelled data, beside a baseline.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
app.command("classify-text")(text.classify_text)
eval_app.command("self-harm")(text.eval_self_harm)
app.command("score-conversations")(conversations.score_conversations)
eval_app.command("grooming")(conversations.eval_grooming)


def _version(value: bool) -> None:
    if value:
        console.print(f"safeguarding {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    _version_flag: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    create: bool = typer.Option(
        False,
        "--create",
        help="Let the command create the database if there is none (new and empty); without "
        "it only `demo`, `serve` and `db upgrade` do, and others stop with exit status 2.",
    ),
) -> None:
    """Settings come from SAFEGUARDING_* environment variables; see `safeguarding settings`.
    Each command that opens the database names it on standard error."""
    allow_create(create)


def _print_urls(host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    console.print(
        f"API docs:  {base}/docs\nWeb UI:    {base}/ui/\nMetrics:   {base}/metrics", highlight=False
    )


def _listening_url(public_url: str | None, host: str, port: int) -> str:
    """The UI's own origin: ``public_url``, else the address `serve` listens on."""
    return public_url or f"http://{host}:{port}"


def serve_container(container: Container, host: str, port: int) -> None:
    public_url = _listening_url(container.settings.public_url, host, port)
    container.settings = container.settings.model_copy(update={"public_url": public_url})
    logs.configure(container.settings.log_level)
    _log_database(container)
    attach_stream(container)
    _print_urls(host, port)
    _print_audit_checkpoints(container)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            **_proxies(container.settings),
        )
    )
    stopping = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run()
    except _Stopped:
        pass  # the signal that began the graceful shutdown, re-raised by uvicorn after it
    finally:
        for sig, handler in stopping.items():
            signal.signal(sig, handler)
        container.close()  # stops the media worker pool, so no semaphore is left behind


def _proxies(configured: Settings) -> dict[str, Any]:
    """Whose X-Forwarded-For uvicorn believes: the client it names becomes the request's
    client (whom failed logins are counted against) only when the peer is one of these."""
    return {"proxy_headers": True, "forwarded_allow_ips": list(configured.forwarded_allow_ips)}


def _log_database(container: Container) -> None:
    log.info("database opened", extra={"url": database_label(container.settings)})


class _Stopped(Exception):
    """SIGTERM or SIGINT: stop serving, close the container and exit 0."""


def _stop(_signal: int, _frame: object) -> None:
    # uvicorn re-raises the stop signal once it has shut down; by default that would kill the
    # process (exit -15) before the container, and its worker pool, were closed.
    raise _Stopped


@app.command()
@friendly_errors
def serve(
    host: str = typer.Option(None, help="Address to listen on (default: setting host)."),
    port: int = typer.Option(None, help="Port (default: setting port)."),
    workers: int = typer.Option(
        None, min=1, max=64, help="Worker processes (default: setting workers)."
    ),
    stream: str = typer.Option(
        None,
        "--stream",
        help="Distributed mode: queue events on this NATS JetStream server (nats://host:4222) "
        "for `safeguarding worker` processes (default: setting stream_url).",
    ),
) -> None:
    """Run the HTTP API, the web UI and (unless turned off in settings) the outbox worker."""
    _use_stream(stream)
    in_force = settings()
    host, port = host or in_force.host, port or in_force.port
    ensure_port_free(host, port)
    # Brings the schema up to date once, before any worker starts.
    container = open_container(create=True, say=False)  # stderr carries only JSON log lines
    settings_in_force = container.settings
    workers = workers or settings_in_force.workers
    if workers == 1:
        serve_container(container, host, port)
        return
    _print_audit_checkpoints(container)
    container.close()
    announce_database(settings_in_force)  # before the workers' JSON log lines
    if settings_in_force.is_sqlite:
        err.print(
            "warning: SQLite has one writer; processes would queue on its lock. "
            "Use one worker with SQLite, or PostgreSQL for several."
        )
    _print_urls(host, port)
    # Each worker process reads its settings from the environment.
    public_url = _listening_url(settings_in_force.public_url, host, port)
    os.environ[PREFIX + "PUBLIC_URL"] = public_url
    uvicorn.run(
        "safeguarding.adapters.http.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        lifespan="on",
        **_proxies(settings_in_force),
    )


@app.command()
@friendly_errors
def demo(
    port: int = typer.Option(
        None, min=1, max=65535, help="Port to serve the demo on (default: setting port)."
    ),
    host: str = typer.Option(None, help="Address to listen on (default: setting host)."),
    data_dir: Path = typer.Option(
        None,
        help="Folder of the demo's data and SQLite database (default: setting data_dir, the "
        "folder every command reads).",
    ),
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve after loading the data."
    ),
) -> None:
    """Start afresh with demo data on SQLite, print a key per role, and serve."""
    in_force = settings()
    host, port = host or in_force.host, port or in_force.port
    if serve_after:
        ensure_port_free(host, port)
    container = run_demo(data_dir)
    if serve_after:
        serve_container(container, host, port)
    else:
        container.close()


@app.command()
@friendly_errors
def ingest(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Events, one JSON object per line."
    ),
    batch_size: int = typer.Option(500, min=1, max=1000, help="Events per transaction."),
    skip_invalid: bool = typer.Option(
        False, help="Ingest the valid lines even if some are invalid."
    ),
) -> None:
    """Decide and record a file of events. Re-running skips what is already stored."""
    events, problems = read_events(file)
    for problem in problems[:50]:
        err.print(problem, markup=False, highlight=False)
    if problems and not skip_invalid:
        err.print(
            f"{len(problems)} invalid line(s); nothing ingested. Fix them or pass --skip-invalid."
        )
        raise typer.Exit(1)
    with open_container() as container:
        verdicts = ingest_file(container, events, batch_size)
        container.outbox.run_once(limit=len(events) * 10 + 100)
        container.outbox.run_periodic()
    print_summary(file, len(events), verdicts)


@app.command()
@friendly_errors
def worker(
    once: bool = typer.Option(False, "--once", help="Process the due outbox items, then exit."),
    stream: str = typer.Option(
        None,
        "--stream",
        help="Distributed mode: decide the events queued on this NATS JetStream server "
        "(default: setting stream_url).",
    ),
) -> None:
    """Carry out side effects from the outbox (cases, evidence, webhooks); in distributed mode,
    also decide the events that `serve --stream` queued."""
    _use_stream(stream)
    container = open_container(say=False)  # said as a JSON log line: stderr carries only those
    logs.configure(container.settings.log_level)
    metrics = None
    _log_database(container)
    try:
        if once:
            console.print(f"processed {container.outbox.run_once(limit=1_000_000)} outbox item(s)")
            container.outbox.run_periodic()
            return
        _print_audit_checkpoints(container)
        metrics = _serve_metrics(container)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        if container.settings.stream_url:
            _decide_from_stream(container, stop)
        else:
            container.outbox.run_until(stop, container.settings.outbox_poll_seconds)
    finally:
        if metrics is not None:
            metrics.shutdown()
        container.close()


def _serve_metrics(container: Container) -> WSGIServer | None:
    """This worker's own metrics port, if one is set (a worker answers no other HTTP)."""
    port = container.settings.worker_metrics_port
    if port is None:
        return None
    server = serve_worker_metrics(container.state_metrics(), port)
    console.print(f"Metrics:   http://0.0.0.0:{port}/metrics", highlight=False)
    return server


def _print_audit_checkpoints(container: Container) -> None:
    """Say at start-up where the audit signing key is (moving or making it if need be) and
    where checkpoints go, so a missing key is noticed now rather than at `audit verify`."""
    settings = container.settings
    moved_or_made = audit_signing.prepare_key(settings)
    if moved_or_made is not None:  # stdout: stderr carries only JSON log lines
        console.print(f"Audit key: {moved_or_made}", highlight=False)
    checkpoints = container.checkpoints
    if not checkpoints.schedule.enabled:
        console.print(
            "Audit:     automatic checkpoints are off; deleting the newest audit records "
            "would not be detected",
            highlight=False,
        )
        return
    sinks = ", ".join(sink.name for sink in checkpoints.sinks)
    console.print(
        f"Audit:     checkpoints to {sinks}, signed with {audit_signing.key_path(settings)}",
        highlight=False,
    )


def _use_stream(url: str | None) -> None:
    """`--stream` sets the setting for this process and any it starts (serve --workers N)."""
    if url:
        os.environ["SAFEGUARDING_STREAM_URL"] = url


def _decide_from_stream(container: Container, stop: threading.Event) -> None:
    if container.settings.is_sqlite:
        err.print(
            "warning: distributed mode shares one database between processes; "
            "use PostgreSQL (SAFEGUARDING_DATABASE_URL=postgresql+psycopg://...)"
        )
    consumer = stream_consumer(container)
    outbox = container.outbox.start_thread(stop, container.settings.outbox_poll_seconds)
    console.print(
        f"worker: deciding events from {mask_url(container.settings.stream_url or '')} "
        f"({container.settings.stream_shards} shards) and carrying out side effects",
        highlight=False,
    )
    try:
        consumer.run(stop)
    finally:
        stop.set()
        outbox.join(timeout=10)


@app.command("settings")
@friendly_errors
def show_settings() -> None:
    """Every setting: environment variable, value in force (secrets masked) and help."""
    values = settings().masked()
    for row in settings_table():
        console.print(f"{row['env']} = {values[row['name']]}", markup=False, highlight=False)
        console.print(f"    {row['help']}", markup=False, highlight=False)


if __name__ == "__main__":
    app()
