"""Scenario files (DESIGN.md, 'Scenario format v1'): load, run in batches by receipt date, check."""
