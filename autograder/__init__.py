"""cnngrade: auto-graded CNN homework (checks, build, bulk grading, exports)."""
