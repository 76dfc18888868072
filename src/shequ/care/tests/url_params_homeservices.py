"""URL parameter values for the every-URL-every-role test: the `homeservices` feature."""

PROVIDERS: dict = {}
