"""Entry-point groups through which Safeguarding finds its plugins, built-in and third-party.

A package adds a detector by declaring, in its pyproject.toml::

    [project.entry-points."safeguarding.detectors"]
    my_detector = "my_package.module:MyDetector"

The entry point's name must equal the class's ``get_name()``. An effect handler (run by the
outbox beside the built-in ones, docs/architecture.md "Adding an effect handler") is declared
the same way in the ``safeguarding.effects`` group.
"""

DETECTORS_GROUP = "safeguarding.detectors"
"""Detector classes (subclasses of ``safeguarding.domain.detectors.Detector``)."""

EFFECTS_GROUP = "safeguarding.effects"
"""Effect handlers (classes or zero-argument factories of a
``safeguarding.ports.effects.EffectHandler``), run beside the built-in ones."""
