"""URL parameter values for the every-URL-every-role test: the organizations app's providers pages and API."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
