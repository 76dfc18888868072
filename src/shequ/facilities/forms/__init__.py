"""Forms of the facilities app, one module per feature."""
