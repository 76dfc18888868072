"""Forms: deliberation."""
