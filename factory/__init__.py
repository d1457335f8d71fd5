"""Orchestration: the command line, teachers, pipeline stages, run store and export."""
