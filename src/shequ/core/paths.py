"""Materialised paths: the one way to ask "is this row inside that subtree?".

A path is the codes from the root, each followed by ``/``. ``path__under=P`` selects P and everything
below it. It must stay an index range scan on both databases at 9 million rows:

- SQLite compares text bytewise, so ``P <= path < P'`` (``P'`` = P with its final ``/`` raised to ``0``)
  is an exact subtree range. ``LIKE`` would not use the index: SQLite's LIKE is case-insensitive.
- PostgreSQL's ``LIKE 'P%'`` uses the ``varchar_pattern_ops`` index Django adds for indexed CharFields,
  while ``<`` would follow the locale's collation, which ignores ``/``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


def upper_bound(path: str) -> str:
    if not path.endswith("/"):
        raise ValueError("a path ends with '/'")
    return path[:-1] + "0"  # '0' is the character after '/'


class PathField(models.CharField):
    """A materialised path. Supports ``__under`` (self and descendants)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)


@PathField.register_lookup
class Under(Lookup):
    lookup_name = "under"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = str(self.rhs)
        if not prefix.endswith("/"):
            raise ValueError("a path ends with '/'")
        if connection.vendor == "postgresql":
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
        return f"({lhs} >= %s AND {lhs} < %s)", [
            *lhs_params,
            prefix,
            *lhs_params,
            upper_bound(prefix),
        ]
