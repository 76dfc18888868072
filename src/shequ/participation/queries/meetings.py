"""Reads: meetings."""
