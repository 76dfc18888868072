"""Staff pages for importing households and residents from spreadsheets."""

from __future__ import annotations
