"""URL parameter values for the every-URL test: deliberation."""

from collections.abc import Callable
from typing import Any

PROVIDERS: dict[str, Callable[[Any], Any]] = {}
