"""Test helpers for plugin authors: the detector contract suite and what it needs.

A plugin's tests subclass :class:`DetectorContract` (pytest collects the inherited tests)::

    from safeguarding.testing import DetectorContract

    class TestLinkSharing(DetectorContract):
        def make_detector(self): return LinkSharingDetector()
        def positive_event(self): return EVENT_ADAPTER.validate_python({...})
"""

from safeguarding.testing.detectors import T0, DetectorContract, FixedClock, everyday_message

__all__ = ["T0", "DetectorContract", "FixedClock", "everyday_message"]
