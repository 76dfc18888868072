"""Writes: disclosures."""
