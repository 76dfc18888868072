"""Forms: disclosures."""
