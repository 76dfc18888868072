"""Reads: elections."""
