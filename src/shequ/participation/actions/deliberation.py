"""Writes: deliberation."""
