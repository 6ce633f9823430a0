"""Cohorts (one per workshop edition), bulk enrolment, progress tracking, reports and exports."""
