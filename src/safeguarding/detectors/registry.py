"""Find detectors by entry point, check their names, and build the enabled ones.

Names are checked at start-up: an entry point whose name differs from its
class's ``get_name()``, two plugins with one name, or an enabled name nobody
installed each stop start-up with a message that names the plugin.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from safeguarding.domain.detectors import Detector, DetectorResources
from safeguarding.domain.errors import InvalidInput
from safeguarding.plugins import DETECTORS_GROUP

# Built-in detectors newer than some installs' entry-point metadata (an editable install
# made before they were added lists none of them): found by their class all the same.
BUILT_IN = {
    "partner_account": "safeguarding.detectors.partner_accounts:PartnerAccountDetector",
}


def discover(points: Iterable[EntryPoint] | None = None) -> dict[str, type[Detector]]:
    """Every installed detector class by name (with the built-ins, without ``points``)."""
    found: dict[str, type[Detector]] = {}
    if points is None:
        installed = list(entry_points(group=DETECTORS_GROUP))
        named = {p.name for p in installed}
        points = installed + [
            EntryPoint(name, value, DETECTORS_GROUP)
            for name, value in BUILT_IN.items()
            if name not in named
        ]
    for point in points:
        cls = point.load()
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise InvalidInput(f"entry point {point.name} ({point.value}) is not a Detector class")
        name = cls.get_name()
        if name != point.name:
            raise InvalidInput(
                f"entry point {point.name} ({point.value}) names a detector called '{name}'; "
                "the entry point's name must be the detector's name"
            )
        if name in found and found[name] is not cls:
            raise InvalidInput(f"two installed detectors are named '{name}'")
        found[name] = cls
    return found


def build(
    available: Mapping[str, type[Detector]],
    enabled: Iterable[str] | None,
    options: Mapping[str, Mapping[str, Any]],
    resources: DetectorResources | None = None,
) -> list[Detector]:
    """Instantiate the enabled detectors (all when ``enabled`` is None), in a stable order,
    each given its options and, if its ``configure`` takes them, the engine's resources."""
    names = sorted(available) if enabled is None else list(enabled)
    unknown = [n for n in names if n not in available]
    if unknown:
        hints = [difflib.get_close_matches(n, list(available), n=1) for n in unknown]
        raise InvalidInput(
            "unknown detector(s): "
            + ", ".join(
                f"{n}" + (f" (did you mean {h[0]}?)" if h else "")
                for n, h in zip(unknown, hints, strict=True)
            )
            + f"; installed: {', '.join(sorted(available))}"
        )
    return [configure(available[n], options.get(n, {}), resources) for n in names]


def configure(
    cls: type[Detector], options: Mapping[str, Any], resources: DetectorResources | None
) -> Detector:
    """Build one detector; a ``configure(options)`` written before resources existed is
    called without them."""
    if takes_resources(cls):
        return cls.configure(options, resources)
    return cls.configure(options)


def takes_resources(cls: type[Detector]) -> bool:
    """Whether ``cls.configure`` accepts a second argument (the resources)."""
    parameters = inspect.signature(cls.configure).parameters.values()  # bound: no ``cls``
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return True
    return sum(p.kind in positional for p in parameters) >= 2


MODEL_DIR = Path(__file__).parent / "text" / "models"


def model_files() -> list[Path]:
    """The shipped models' files: a worker watches them to reload after an upgrade."""
    return sorted(p for p in MODEL_DIR.rglob("*") if p.is_file())
