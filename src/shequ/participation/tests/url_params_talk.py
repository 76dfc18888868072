"""URL parameter values for the every-URL test: talk."""

from collections.abc import Callable
from typing import Any

PROVIDERS: dict[str, Callable[[Any], Any]] = {}
