"""Assignments handed in and reviewed: drafts, submissions, files, due dates, reviews against a rubric."""
