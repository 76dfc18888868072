"""Forms: lists."""
