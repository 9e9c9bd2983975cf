"""ThreatExchange exports, written by the real ``threatexchange`` package, import into banks.

python-threatexchange's own ``DatasetCommand`` (``threatexchange dataset -P --csv`` and
``-P -S``) writes the files, from its own signal types' documented examples: PDQ, video
MD5, video SHA-256, vPDQ (a JSON list of ``"hex,quality,ts"``), and two types no bank
holds (a URL, a trend query). The import takes the hashes and, asked to, skips and counts
the rest; lookups with pytx's own signal strings then find what was imported, and pytx reads
the hashes ``/h/hash`` gives. The package is in the ``bench`` extra; without it these skip.
(``tests/cli/test_banks_cli.py`` imports the same files with ``--skip-unsupported``.)
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from safeguarding.domain.access import Role
from tests.conftest import auth
from tests.detectors.media.fixtures.media import FFMPEG, video
from tests.factories import benign_png

pytest.importorskip("threatexchange")
pytest.importorskip("vpdq")
from threatexchange.cli.dataset_cmd import DatasetCommand
from threatexchange.exchanges.fetch_state import FetchedSignalMetadata
from threatexchange.extensions.vpdq.vpdq import VPDQSignal
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.signal_type.trend_query import TrendQuerySignal
from threatexchange.signal_type.url import URLSignal

pytestmark = pytest.mark.anyio
HELD = (PdqSignal, VideoMD5Signal, VideoSHA256Signal, VPDQSignal)
NOT_HELD = (URLSignal, TrendQuerySignal)


def pytx_dataset(**options: Any) -> str:
    """What ``threatexchange dataset -P`` prints, with these options, for one example of each
    type (the fetched state it would read is replaced by those examples)."""
    examples = {
        kind: {kind.get_examples()[0]: [("SAMPLE", FetchedSignalMetadata())]}
        for kind in (*HELD, *NOT_HELD)
    }
    command = DatasetCommand(print_signals=True, only_signals=list(examples), **options)
    command.get_signals = lambda _settings, _types: examples  # type: ignore[method-assign]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        command.execute_print_signals(None)
    return out.getvalue()


async def import_export(
    client: httpx.AsyncClient,
    keys: dict[Role, str],
    bank: str,
    fmt: str,
    content: str,
    **extra: Any,
) -> httpx.Response:
    admin = auth(keys[Role.ADMIN])
    await client.post("/v1/banks", json={"name": bank}, headers=admin)
    body = {"format": fmt, "content": content, "source": "pytx example export", **extra}
    return await client.post(f"/v1/banks/{bank}/import", json=body, headers=admin)


@pytest.mark.parametrize(
    ("fmt", "options"), [("csv", {"csv": True}), ("text", {"print_signals_only": True})]
)
async def test_a_pytx_export_imports_and_its_signals_are_found(
    client: httpx.AsyncClient, keys: dict[Role, str], fmt: str, options: dict[str, bool]
) -> None:
    export = pytx_dataset(**options)
    refused = await import_export(client, keys, "TE_EXPORT", fmt, export)
    assert refused.status_code == 422
    assert "unknown hash type 'url'" in refused.json()["detail"]
    made = await import_export(client, keys, "TE_EXPORT", fmt, export, skip_unsupported=True)
    assert made.status_code == 201, made.text
    assert (made.json()["added"], made.json()["skipped"]) == (4, {"url": 1, "trend_query": 1})
    for kind in HELD:
        query = {"signal_type": kind.get_name(), "signal": kind.get_examples()[0]}
        found = await client.get("/m/lookup", params=query, headers=auth(keys[Role.PLATFORM]))
        assert list(found.json()) == ["TE_EXPORT"], kind.get_name()


async def test_pytx_reads_the_hashes_we_give(
    client: httpx.AsyncClient, keys: dict[Role, str], tmp_path: Path
) -> None:
    platform = auth(keys[Role.PLATFORM])
    picture = benign_png("pytx")
    photo = await client.post(
        "/h/hash", files={"photo": ("p.png", picture, "image/png")}, headers=platform
    )
    assert PdqSignal.validate_signal_str(photo.json()["pdq"]) == photo.json()["pdq"]
    if FFMPEG is None:
        pytest.skip("needs ffmpeg for the video half")
    clip = video(tmp_path, "mp4")
    hashed = await client.post(
        "/h/hash", files={"video": ("v.mp4", clip, "video/mp4")}, headers=platform
    )
    assert set(hashed.json()) == {"vpdq", "video_md5", "video_sha256"}
    ours = hashed.json()["vpdq"]
    assert VPDQSignal.validate_signal_str(ours) == ours
    assert VPDQSignal.compare_hash(ours, ours).match
    assert VideoSHA256Signal.hash_from_bytes(clip) == hashed.json()["video_sha256"]
    assert VideoMD5Signal.hash_from_bytes(clip) == hashed.json()["video_md5"]
