"""Forms of the volunteering app, one module per feature."""
