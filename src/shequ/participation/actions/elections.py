"""Writes: elections."""
