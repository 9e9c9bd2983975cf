"""Safeguarding: a self-hostable child online-safety engine.

Platforms send events; the engine decides on each, explains why, records it,
and carries out the policy's actions. The public Python API:
"""

from safeguarding.domain.decisions import Decision, Verdict
from safeguarding.domain.detectors import Detector, DetectorContext, DetectorResources
from safeguarding.domain.events import EVENT_ADAPTER, Event
from safeguarding.domain.signals import Evidence, Signal, SubjectKind

__version__ = "0.1.0"

__all__ = [
    "EVENT_ADAPTER",
    "Decision",
    "Detector",
    "DetectorContext",
    "DetectorResources",
    "Event",
    "Evidence",
    "Signal",
    "SubjectKind",
    "Verdict",
    "__version__",
]
