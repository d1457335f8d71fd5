"""Teachers: whatever writes candidate solutions. All speak `Teacher`; the pipeline no more."""
