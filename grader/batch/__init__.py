"""Grading a class: find the submissions, grade them in parallel, keep a gradebook, write the outputs."""
