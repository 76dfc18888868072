"""URL parameter values for the every-URL-every-role test: the `preparedness` feature."""

PROVIDERS: dict = {}
