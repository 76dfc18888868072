"""The resident's own pages: their record and household, consents, and rights requests."""

from __future__ import annotations
