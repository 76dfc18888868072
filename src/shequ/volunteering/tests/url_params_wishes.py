"""URL parameter providers for the wishes pages (tests/scope/test_every_url.py)."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
