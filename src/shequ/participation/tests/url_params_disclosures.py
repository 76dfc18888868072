"""URL parameter values for the every-URL test: disclosures."""

from collections.abc import Callable
from typing import Any

PROVIDERS: dict[str, Callable[[Any], Any]] = {}
