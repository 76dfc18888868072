"""Writes: lists."""
