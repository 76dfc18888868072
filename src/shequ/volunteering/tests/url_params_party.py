"""URL parameter providers for the party pages (tests/scope/test_every_url.py)."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
