"""Judges: verifiers that prove a candidate right or wrong and return the evidence."""
