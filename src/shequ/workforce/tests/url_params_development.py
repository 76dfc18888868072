"""URL parameter values for the every-URL-every-role test: the workforce app's development pages and API."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
