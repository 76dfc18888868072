"""Staff pages for handling residents' PIPL rights requests."""

from __future__ import annotations
