"""URL parameter values for the every-URL-every-role test: the `visits` feature."""

PROVIDERS: dict = {}
