"""Writes: talk."""
