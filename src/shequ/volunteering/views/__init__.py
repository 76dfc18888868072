"""The volunteering app's pages, one module per feature."""
