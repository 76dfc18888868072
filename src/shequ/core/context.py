"""The request a piece of code runs for (who, from where), available to actions and audit without
threading it through every call. Set by ``RequestContextMiddleware``; empty in commands and tasks."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request: Any = None
    ip: str | None = None
    channel: str = "web"

    @property
    def user(self) -> Any:
        # Read when needed, not when the request began: API token authentication sets the user later.
        return getattr(self.request, "user", None)


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("shequ_request_context", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> Any:
    return _current.set(ctx)


def reset(token: Any) -> None:
    _current.reset(token)
