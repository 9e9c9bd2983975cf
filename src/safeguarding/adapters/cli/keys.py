"""`safeguarding keys`: create, list and revoke API keys."""

from __future__ import annotations

import typer

from safeguarding.adapters.cli.common import console, friendly_errors, open_container, table
from safeguarding.adapters.cli.output import LISTING, Listing, print_json
from safeguarding.domain.access import Role

app = typer.Typer(
    help="Create, list and revoke API keys. Keys are stored only as Argon2 hashes.",
    no_args_is_help=True,
)
ROLES = ", ".join(r.value for r in Role)
# What `keys list --format json` shows of a key, as `GET /v1/keys` does: never its hash.
KEY_FIELDS = ("key_id", "name", "role", "created_at", "revoked_at", "queues", "organisation")


@app.command("create")
@friendly_errors
def create(
    role: str = typer.Option(..., help=f"The key's role: {ROLES}."),
    name: str = typer.Option(..., help="Who or what uses the key, e.g. 'chat-backend' or 'alex'."),
    queue: list[str] = typer.Option(
        [],
        help="A review queue this moderator works (repeat it); without it, every queue.",
    ),
    organisation: str | None = typer.Option(
        None,
        help="The advocacy body an advocate key speaks for; its super-complaints belong to the "
        "body, so give every key of one body the same organisation.",
    ),
) -> None:
    """Create a key and print it once. Store it now: it cannot be shown again."""
    with open_container() as container:
        key, record = container.keys.create(
            name, role, by="cli", queues=queue or None, organisation=organisation
        )
    works = f" (queues: {', '.join(record.queues)})" if record.queues else ""
    works += f" (organisation: {record.organisation})" if record.organisation else ""
    console.print(f"Created {record.role} key [bold]{record.key_id}[/] for {record.name}{works}:")
    console.print(key, markup=False, highlight=False, soft_wrap=True)


@app.command("list")
@friendly_errors
def list_keys(fmt: Listing = LISTING) -> None:
    """List keys: id, name, role, queues, created and revoked (secrets are never shown)."""
    with open_container() as container:
        records = container.keys.list()
    if fmt is Listing.JSON:
        print_json([{f: getattr(r, f) for f in KEY_FIELDS} for r in records])
        return
    grid = table("id", "name", "role", "queues", "created", "revoked")
    for r in records:
        grid.add_row(
            r.key_id,
            r.name,
            r.role,
            ", ".join(r.queues) if r.queues else ("all" if r.role == "moderator" else ""),
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    console.print(grid)


@app.command("revoke")
@friendly_errors
def revoke(key_id: str = typer.Argument(..., help="The id shown by `keys list`.")) -> None:
    """Revoke a key; it stops working within the key cache time (30 s by default)."""
    with open_container() as container:
        container.keys.revoke(key_id, by="cli")
    console.print(f"Revoked key {key_id}.")
