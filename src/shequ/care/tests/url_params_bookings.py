"""URL parameter values for the every-URL-every-role test: the `bookings` feature."""

PROVIDERS: dict = {}
