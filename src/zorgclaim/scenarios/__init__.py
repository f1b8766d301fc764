"""Scenario files (the scenario format v1, README 'Scenarios'): load, run in batches by receipt date, check."""
