"""Reads: disclosures."""
