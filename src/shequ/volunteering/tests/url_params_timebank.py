"""URL parameter providers for the timebank pages (tests/scope/test_every_url.py)."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
