"""The media tests' generated masters, for the subtitle packaging tests that build real ladders."""

from media.tests.conftest import media_sources  # noqa: F401  (a fixture)
