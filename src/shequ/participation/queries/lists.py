"""Reads: lists."""
