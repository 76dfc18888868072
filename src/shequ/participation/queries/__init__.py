"""Reads of the participation app, one module per feature."""
