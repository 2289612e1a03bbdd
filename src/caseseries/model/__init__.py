"""The case model: case files and their errors, dates, the schema, the one model of time, loading and checks.

The lowest layer: it imports nothing from views/ or outputs/. Nothing is imported here, so that
the command line starts at once.
"""
