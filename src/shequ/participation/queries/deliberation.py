"""Reads: deliberation."""
