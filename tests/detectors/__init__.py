"""Tests of the built-in detectors beyond the shared contract."""
