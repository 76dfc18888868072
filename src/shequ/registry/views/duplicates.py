"""Staff pages for the duplicate-candidate review queue."""

from __future__ import annotations
