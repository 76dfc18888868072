"""Published volunteer statistics per region and period, and the volunteers party of five-party
linkage (being built)."""

from __future__ import annotations


def register_linkage_party() -> None:
    """Register the volunteers party with ``organizations.linkage`` (being built)."""
