"""Forms: meetings."""
