"""Declared workflows: a model's states and the transitions between them, written down once.

Pages show only the transitions a user may fire (``Workflow.available``); actions fire them through
``Workflow.fire``, which moves the row with one conditional UPDATE (``WHERE status = <from> AND version =
<seen>``), so two people clicking the same button at once cannot both succeed: the second gets a clear
message and nothing changes. Tests enumerate ``Workflow.transitions``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Model
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    permission: str
    label: str | Promise
    # A style hint for the button ("primary", "danger"); pages may ignore it.
    style: str = "primary"


class Workflow:
    def __init__(self, *, field: str = "status", transitions: Iterable[Transition]) -> None:
        self.field = field
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError("transition names must be unique")

    def get(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise ValidationError(_("未知的操作。"))

    def state_of(self, obj: Model) -> str:
        return str(getattr(obj, self.field))

    def available(self, obj: Model, user: Any) -> list[Transition]:
        """Transitions from the object's current state that ``user`` holds the permission for.

        Jurisdiction over the object is the caller's business: pages fetch objects through scoped queries.
        """
        state = self.state_of(obj)
        return [
            t
            for t in self.transitions
            if state in t.sources and user is not None and user.has_permission(t.permission)
        ]

    def fire(self, obj: Any, name: str, *, by: Any, **changes: Any) -> Transition:
        """Move ``obj`` along transition ``name``, writing ``changes`` in the same UPDATE.

        The caller runs this inside its transaction and records the audit event after it returns.
        ``obj`` must carry a ``version`` field; it is refreshed in memory on success.
        """
        transition = self.get(name)
        if by is not None and not by.has_permission(transition.permission):
            raise PermissionDenied(_("您没有此项权限。"))
        state = self.state_of(obj)
        if state not in transition.sources:
            raise ValidationError(_("当前状态下不能进行此操作，请刷新页面查看最新状态。"))
        version = obj.version
        updated = (
            type(obj)
            ._default_manager.filter(pk=obj.pk, version=version, **{self.field: state})
            .update(**{self.field: transition.target, "version": F("version") + 1}, **changes)
        )
        if updated != 1:
            raise ValidationError(_("该记录刚刚已被他人处理，请刷新页面查看最新状态。"))
        setattr(obj, self.field, transition.target)
        obj.version = version + 1
        for key, value in changes.items():
            setattr(obj, key, value)
        return transition
