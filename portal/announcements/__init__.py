"""Announcements that a cohort's staff post to its members, on the cohort's page and by mail."""
