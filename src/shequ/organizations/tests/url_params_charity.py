"""URL parameter values for the every-URL-every-role test: the organizations app's charity pages and API."""

from typing import Any

PROVIDERS: dict[str, Any] = {}
