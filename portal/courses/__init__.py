"""Courses, their revisions and content (modules, lessons, quizzes), import, lecturer uploads."""
