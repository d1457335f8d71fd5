"""Code verifier: a candidate program against tests and properties, run in a sandbox."""
