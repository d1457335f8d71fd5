"""Isolation: run untrusted code with limits and report what happened."""
