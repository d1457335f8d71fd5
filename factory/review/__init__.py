"""Human review of a run's records: a seeded stratified sample, a local page, decisions kept in
the run store and honoured by the next export."""

DEFAULT_PORT = 8765  # where `factory review` listens, and where the report's record links point
