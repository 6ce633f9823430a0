"""Lesson pages, progress, completion rules and the trainee's dashboard."""
