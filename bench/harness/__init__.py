"""Pieces of bench/run.py: child processes, log parsing, recipes, the report."""
