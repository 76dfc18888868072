"""Writes: meetings."""
