"""`safeguarding demo`: demo data and one key per role, in the database every command reads.

The demo fills the default data folder (the setting data_dir, `.safeguarding/`) and its
SQLite database, so `safeguarding audit verify` or `report transparency` run afterwards see
the demo's data. It starts afresh each run, so it deletes only a folder it made itself.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from safeguarding.adapters.cli.common import (
    announce_database,
    console,
    database_label,
    err,
    settings,
    table,
)
from safeguarding.bootstrap import Container, build
from safeguarding.demo import (
    DEMO_PARTNER,
    demo_banks,
    demo_events,
    known_hash_list,
    partner_events,
    partner_list,
)
from safeguarding.detectors.media.hash_lists import ListFormat, read_hash_list
from safeguarding.domain.access import Role
from safeguarding.domain.banks import Bank, BankHarm, HashType, Trust
from safeguarding.domain.errors import InvalidInput
from safeguarding.services.sharing import ImportMode
from safeguarding.services.sharing_files import ShareFormat, read_partner_file
from safeguarding.settings import Settings

DATABASE_FILE = "safeguarding.db"  # the file of the default database_url
MARKER = ".made-by-safeguarding-demo"


def run_demo(data_dir: Path | None = None) -> Container:
    """Load the demo into ``data_dir`` (the setting data_dir by default), printing the keys."""
    in_force = settings()
    folder = data_dir or in_force.data_dir
    _start_afresh(folder)
    hash_list = folder / "known-hashes.txt"
    hash_list.write_text(known_hash_list())
    chosen = settings(
        database_url=f"sqlite:///{folder / DATABASE_FILE}",
        data_dir=folder,
        sha256_list_path=hash_list,
    )
    announce_database(chosen)
    container = build(chosen)
    grid = table(
        "role", "API key", title="Demo API keys (shown once; the demo starts afresh each run)"
    )
    for role in Role:
        key, _ = container.keys.create(f"demo-{role.value}", role.value, by="demo")
        grid.add_row(role.value, key)
    load_demo_banks(container)
    import_partner_list(container)
    now = container.clock.now()
    results = container.ingest.ingest(demo_events(now), source="demo")
    results += container.ingest.ingest(partner_events(now), source="demo")
    container.outbox.run_once(limit=1000)
    finish_demo(container)
    blocked = sum(r.decision.verdict == "block" for r in results)
    console.print(grid)
    console.print(
        f"Loaded {len(results)} demo events ({blocked} blocked) into {folder / DATABASE_FILE}.",
        highlight=False,
    )
    _say_how_commands_find_it(in_force, chosen)
    return container


def import_partner_list(container: Container) -> None:
    """One partner's shared list, trusted for matching only (docs/sharing.md)."""
    signals = read_partner_file(partner_list(), ShareFormat.CSV, None, Counter())
    container.sharing.import_signals(
        DEMO_PARTNER,
        signals,
        mode=ImportMode.ADD,
        source="demo partner list (synthetic)",
        actor="demo",
        trust=Trust.MATCH_ONLY,
    )


def load_demo_banks(container: Container) -> None:
    """The demo's URL list and intimate-image bank, made and imported as an admin would."""
    for spec in demo_banks():
        bank = Bank(
            name=spec.name,
            harm=BankHarm(spec.harm),
            description=spec.description,
            created_at=container.clock.now(),
        )
        container.banks.create(bank, actor="demo")
        entries = read_hash_list(spec.content, ListFormat.TEXT, HashType(spec.hash_type))
        container.banks.import_hashes(
            spec.name,
            [(kind, value) for _, kind, value in entries],
            source="safeguarding demo",
            licence="synthetic, for the demo only",
            actor="demo",
        )


def _start_afresh(folder: Path) -> None:
    """Empty ``folder`` for the demo, unless it holds data the demo did not make."""
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise InvalidInput(
            f"{folder} holds data the demo did not make, and the demo starts afresh: it would "
            "delete it. Pass --data-dir with another folder (or set SAFEGUARDING_DATA_DIR), "
            f"or move {folder} away yourself."
        )
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `safeguarding demo`; the next demo deletes it\n")


def _say_how_commands_find_it(in_force: Settings, chosen: Settings) -> None:
    """When other commands would read another database, say which settings reach the demo's."""
    if (in_force.database_url, in_force.data_dir) == (chosen.database_url, chosen.data_dir):
        return
    err.print(
        f"note: other commands read {database_label(in_force)}; to give them the demo's data, "
        f"set SAFEGUARDING_DATABASE_URL={chosen.database_url} "
        f"SAFEGUARDING_DATA_DIR={chosen.data_dir}",
        markup=False,
        highlight=False,
    )


def finish_demo(container: Container) -> None:
    """What the demo does once its events are in: a first risk assessment, so the risk and
    compliance pages have one to show (an admin would make it on day one)."""
    container.risk.assess("demo")
