"""Hash uploads in a few memory-bounded worker processes.

A big or hostile upload must not stall message scoring or take the machine, so media is
hashed away from the caller: in a small pool of processes (pebble's ``ProcessPool``, which,
unlike the standard library's, kills and replaces just the worker whose task timed out or
died). Each worker caps its address space with ``RLIMIT_AS``; at most ``max_pending``
files are queued or in flight, and the next caller gets :class:`HasherBusy` at once.

What the caller sees, whatever happens in the worker::

    result                 ImageHashes | VideoHashes
    MediaRejected          the file broke a rule (see safe_decode.RejectReason), including:
      timeout              the task ran past its timeout and the worker was killed
      too_large            the decode hit the memory bound, or the worker died doing it
    HasherBusy             every slot is taken; retry later (a 503, not the file's fault)
    HasherClosed           close() was called
    HasherUnavailable      the workers cannot start (an installation fault)

The memory bound is headroom over what a worker holds once started: the interpreter,
numpy, Pillow and libav already map about 350 MiB of address space (75 MiB resident;
libav's libraries alone map 180 MiB), so an absolute cap of 256 MiB could not even start
one. Each decode may take ``memory_limit_bytes`` more than that baseline. The pool also
keeps to ``max_workers`` CPUs, so hashing never takes every core from message scoring.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import resource
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from pebble import ProcessExpired, ProcessPool

from safeguarding.detectors.media.hashing import (
    ImageHashes,
    VideoHashes,
    hash_image_bytes,
    hash_video_file,
    memory_dir,
)
from safeguarding.detectors.media.safe_decode import (
    MIB,
    HasherBusy,
    HasherClosed,
    HasherUnavailable,
    MediaLimits,
    MediaRejected,
    RejectReason,
    check_declared_type,
    require_kind,
    sniff_format,
)
from safeguarding.domain.events import MediaKind

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

DEFAULT_MEMORY_LIMIT = 256 * MIB


@dataclass(frozen=True, slots=True)
class HashTasks:
    """The module-level functions the workers run; tests swap in slow or crashing ones."""

    image: Callable[[bytes, MediaLimits, str | None], ImageHashes] = hash_image_bytes
    video: Callable[[Path, MediaLimits, str | None], VideoHashes] = hash_video_file


class ProcessPoolHasher:
    """A bounded pool that hashes images and videos; ``close()`` it when done.

    The engine's ``ports.media.MediaHasher``: services see only that Protocol.
    """

    def __init__(
        self,
        max_workers: int = 2,
        memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT,
        timeout_s: float = 30.0,
        *,
        video_timeout_s: float = 120.0,
        max_pending: int | None = None,
        max_tasks_per_worker: int = 200,
        limits: MediaLimits | None = None,
        tasks: HashTasks | None = None,
    ) -> None:
        if min(max_workers, memory_limit_bytes, timeout_s, video_timeout_s) <= 0:
            raise ValueError("max_workers, memory_limit_bytes and the timeouts must be positive")
        self.memory_limit_bytes = memory_limit_bytes
        self.timeout_s = timeout_s
        self.video_timeout_s = video_timeout_s
        self.max_pending = max_pending if max_pending is not None else 4 * max_workers
        self.limits = limits or MediaLimits()
        self._tasks = tasks or HashTasks()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._closed = False
        # spawn, not fork: a forked worker would inherit the server's whole address space
        # (indexes, models) and start above its own memory bound.
        self._pool = ProcessPool(
            max_workers=max_workers,
            max_tasks=max_tasks_per_worker,
            initializer=bound_worker,
            initargs=(memory_limit_bytes, max_workers),
            context=multiprocessing.get_context("spawn"),
        )

    @property
    def pending(self) -> int:
        """Files queued or being hashed now."""
        return self._in_flight

    def hash_image(self, data: bytes, declared_mime: str | None = None) -> ImageHashes:
        """SHA-256, MD5 and PDQ of an image, computed in a worker."""
        self._screen(data, MediaKind.IMAGE, declared_mime)
        return self._run(self._tasks.image, (data, self.limits, declared_mime), self.timeout_s)

    def hash_video(self, data: bytes, declared_mime: str | None = None) -> VideoHashes:
        """SHA-256, MD5 and vPDQ frame features of a video, computed in a worker."""
        self._screen(data, MediaKind.VIDEO, declared_mime)
        # The worker reads the video from a file, so its bytes never count against the
        # worker's memory bound; the folder is private to this user (mode 0700) and in RAM
        # where the system has /dev/shm, so the upload never reaches disk in the clear.
        with tempfile.TemporaryDirectory(prefix="safeguarding-video-", dir=memory_dir()) as folder:
            path = Path(folder) / "upload"
            path.write_bytes(data)
            args = (path, self.limits, declared_mime)
            return self._run(self._tasks.video, args, self.video_timeout_s)

    def hash_media(
        self, data: bytes, declared_mime: str | None = None
    ) -> ImageHashes | VideoHashes:
        """Hash an image or a video, whichever its magic bytes say it is."""
        found = sniff_format(data[:64], len(data), self.limits)
        if found.kind is MediaKind.VIDEO:
            return self.hash_video(data, declared_mime)
        return self.hash_image(data, declared_mime)

    def close(self) -> None:
        """Let running tasks finish (each within its timeout) and stop the workers."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._pool.close()
        self._pool.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _screen(self, data: bytes, kind: MediaKind, declared_mime: str | None) -> None:
        # The cheap checks run here, so a wrong or oversized file never takes a slot.
        found = sniff_format(data[:64], len(data), self.limits)
        require_kind(found, kind)
        check_declared_type(found, declared_mime)

    def _run(self, task: Callable[..., _T], args: tuple[Any, ...], timeout_s: float) -> _T:
        self._take_slot()
        try:
            return self._pool.schedule(task, args=args, timeout=timeout_s).result()
        except TimeoutError:
            raise MediaRejected(
                RejectReason.TIMEOUT, f"hashing took over {timeout_s:g} s and was stopped"
            ) from None
        except (ProcessExpired, MemoryError) as exc:
            raise self._too_large(exc) from None
        except BrokenProcessPool as exc:
            raise HasherUnavailable(f"the media workers cannot start: {exc}") from exc
        finally:
            with self._lock:
                self._in_flight -= 1

    def _take_slot(self) -> None:
        with self._lock:
            if self._closed:
                raise HasherClosed("the media hasher is closed")
            if self._in_flight >= self.max_pending:
                raise HasherBusy(
                    f"all {self.max_pending} media hashing slots are taken; retry shortly"
                )
            self._in_flight += 1

    def _too_large(self, exc: BaseException) -> MediaRejected:
        how = f" (exit code {exc.exitcode})" if isinstance(exc, ProcessExpired) else ""
        return MediaRejected(
            RejectReason.TOO_LARGE,
            f"the worker stopped while decoding the file{how}: it needs more than the "
            f"{self.memory_limit_bytes / MIB:g} MiB memory bound, or it crashes the decoder",
        )


def bound_worker(limit_bytes: int, cpus: int) -> None:
    """Run on ``cpus`` CPUs at most, with an address space of what it maps now plus
    ``limit_bytes``; called in each worker as it starts."""
    _share_cpus(cpus)
    _bound_memory(limit_bytes)


def _share_cpus(count: int) -> None:
    # libav starts a decoding thread per CPU it may run on (up to 16), each reserving an
    # 8 MiB stack against the memory bound. Keeping the whole pool on `count` CPUs bounds
    # those threads, and leaves the other CPUs to message scoring.
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        with contextlib.suppress(OSError):  # a failed initializer would loop; run unpinned
            os.sched_setaffinity(0, allowed[-count:])


def _bound_memory(limit_bytes: int) -> None:
    in_use = _address_space_in_use()
    if in_use is None:
        _log.warning("cannot read /proc/self/status; media workers run without a memory bound")
        return
    ceiling = in_use + limit_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)  # an operator's `ulimit -v` stays the stricter bound
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _address_space_in_use() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
