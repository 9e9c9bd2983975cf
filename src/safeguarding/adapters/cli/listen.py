"""Whether `serve` and `demo` can listen where they are told, asked before they load anything."""

from __future__ import annotations

import socket

import typer

from safeguarding.adapters.cli.common import err

PORT_TAKEN_EXIT = 2


def ensure_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` once, as the server will, and stop with a clear message if it cannot:
    otherwise the keys and URLs would be printed first and the server fail after them."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        err.print(
            f"[bold red]error:[/] cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "another process (an earlier demo or serve?) may hold it. Choose another port "
            "with --port N or SAFEGUARDING_PORT=N (`make demo PORT=N`).",
            highlight=False,
            markup=True,
        )
        raise typer.Exit(PORT_TAKEN_EXIT) from None
