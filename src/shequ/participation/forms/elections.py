"""Forms: elections."""
