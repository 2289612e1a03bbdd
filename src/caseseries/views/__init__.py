"""What is read off a case: tidy tables, metrics, figures, the series, teaching stages, CARE, the exported formats.

Pure functions over the case model (caseseries.model); nothing here writes a file.
"""
