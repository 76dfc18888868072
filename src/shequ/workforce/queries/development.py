"""Reads of qualifications, training, reviews, the reserve pool and joint reviews (being built)."""

from __future__ import annotations

from typing import Any


def for_worker(user: Any, worker: Any) -> dict[str, Any]:
    """What a worker's page shows of their qualifications, training and reviews."""
    return {}
