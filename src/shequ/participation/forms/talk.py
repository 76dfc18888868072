"""Forms: talk."""
