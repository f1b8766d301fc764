"""Readers and writers at the edge: tabular files (CSV, Parquet, JSON); Vektis and FHIR to come."""
