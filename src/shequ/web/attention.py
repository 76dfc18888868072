""" "What needs my attention": each app may offer items for a user's console home.

An app contributes by defining ``attention_items(user) -> list[AttentionItem]`` in its module
``<app>/attention.py``; the console collects them. Later capabilities (overdue cases, visits due…) plug
in the same way, without editing this module.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from django.apps import apps

from shequ.core.console import AttentionItem


@cache
def _providers() -> tuple[Any, ...]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("shequ."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.attention")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.attention":
                raise
            continue
        provider = getattr(module, "attention_items", None)
        if provider is not None:
            found.append(provider)
    return tuple(found)


def items_for(user: Any) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    for provider in _providers():
        items.extend(provider(user))
    return items
