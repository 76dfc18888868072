"""The shape of a console "needs attention" item, shared by every app that offers some."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttentionItem:
    title: str
    count: int | None = None
    url: str = ""
    level: str = "info"  # info | warning | danger
    detail: str = ""
