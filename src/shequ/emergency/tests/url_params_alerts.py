"""URL parameter values for the every-URL-every-role test: the `alerts` feature."""

PROVIDERS: dict = {}
