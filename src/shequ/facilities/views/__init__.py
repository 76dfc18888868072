"""Pages of the facilities app, one module per feature (ADR 0013)."""
