"""URL parameter values for the every-URL-every-role test: the `compliance` feature."""

PROVIDERS: dict = {}
