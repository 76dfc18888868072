"""Reads: talk."""
