"""Quality gates between verification and export: deduplication, benchmark decontamination, the
human-data mix, caps, and diversity figures. Each gate is a module of plain functions;
`stage` runs them over a run's record stream and says why each removed record went."""
