"""Fixtures of the attendance tests: an edition with sessions, members and staff."""
from tests.live.editions import edition  # noqa: F401  (a fixture)
