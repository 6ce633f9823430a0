"""Fixtures of the live sessions' tests."""
from tests.live.editions import edition  # noqa: F401  (a fixture)
