"""URL parameter providers for the activities pages (tests/scope/test_every_url.py)."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
