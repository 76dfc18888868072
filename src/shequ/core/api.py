"""API conventions shared by every router: one error body shape, one paging scheme.

Error body, always: ``{"code": "<machine code>", "message": "<in the user's language>", "errors":
[{"field": "<name>", "message": "…"}]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldErrorOut] = []


class ApiError(Exception):
    """Raise from an endpoint for a clear, coded failure."""

    def __init__(
        self, status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "errors": errors or []}, status=status
    )


PARAMETER_SOURCES = ("body", "query", "path", "file", "form", "header", "cookie")


def _ninja_field_errors(exc: NinjaValidationError) -> list[dict[str, str]]:
    errors = []
    for item in exc.errors:
        # List positions count from 1, as the actions number them (``members.1.id_number`` is the
        # first member), so a client sees one numbering whichever layer found the problem.
        # The parameter source ninja puts first (``body``, ``query``, ``file`` …) is not part of the
        # field's name.
        loc = [
            str(part + 1) if isinstance(part, int) else str(part)
            for position, part in enumerate(item.get("loc", []))
            if not (position == 0 and part in PARAMETER_SOURCES) and part != "payload"
        ]
        errors.append({"field": ".".join(loc), "message": str(item.get("msg", ""))})
    return errors


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(api, request, exc.status, exc.code, exc.message, exc.errors)

    @api.exception_handler(NinjaValidationError)
    def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            422,
            "invalid",
            _("提交的数据有误，请检查标出的字段。"),
            _ninja_field_errors(exc),
        )

    @api.exception_handler(ValidationError)
    def _django_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": name, "message": str(message)}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "", "message": str(message)} for message in exc.messages]
        return error_response(
            api, request, 422, "invalid", _("提交的数据有误，请检查标出的字段。"), errors
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        reason = getattr(request, "shequ_auth_failure", "") or "unauthenticated"
        messages = {
            "token_invalid": _("接口令牌无效。"),
            "token_expired": _("接口令牌已过期。"),
            "token_revoked": _("接口令牌已被吊销。"),
            "unauthenticated": _("请先登录或提供有效的接口令牌。"),
        }
        return error_response(
            api, request, 401, reason, messages.get(reason, messages["unauthenticated"])
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(
            api, request, 404, "not_found", _("找不到该对象，或不在您的管辖范围内。")
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            429: "throttled",
        }
        return error_response(
            api, request, exc.status_code, codes.get(exc.status_code, "error"), str(exc)
        )


class PageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[Any]


class PagePagination(PaginationBase):
    """``?page=N&page_size=M`` (M ≤ 200). The count is exact; every list is scoped before it gets here."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            # A list (rows computed in Python) is counted by its length.
            "count": len(queryset) if isinstance(queryset, list) else queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "results": list(queryset[offset : offset + pagination.page_size]),
        }


# --- Helpers every router uses ---------------------------------------------------------------------


def user_with(request: HttpRequest, perm: str) -> Any:
    """The caller, if some role of theirs holds ``perm`` (anywhere); 403 otherwise. Where they hold
    it is for the scoped queries to decide."""
    user = request.user
    if not user.has_permission(perm):  # type: ignore[union-attr]
        raise ApiError(403, "forbidden", _("您没有执行此操作的权限。"))
    return user


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, [{"field": field, "message": message}])


def choice(value: str, allowed: Any, field: str) -> str:
    """A filter or field value: empty, or one of ``allowed`` (a choices class or a list of values);
    anything else is a 422 on ``field`` naming the value."""
    values = getattr(allowed, "values", allowed)
    if value and value not in values:
        raise invalid(field, _("取值不正确：%(v)s。") % {"v": value})
    return value


def invalid_from(exc: ValidationError, field_names: dict[str, str] | None = None) -> ApiError:
    """An action's ``ValidationError`` as a 422, its keys renamed to the API's (``field_names``)."""
    names = field_names or {}
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": names.get(name, name), "message": str(message)}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": str(message)} for message in exc.messages]
    # With one problem the message names it; with several the client reads ``errors``.
    message = errors[0]["message"] if len(errors) == 1 else _("提交的数据有误，请检查标出的字段。")
    return ApiError(422, "invalid", message, errors)


def not_found(field: str, message: str | None = None) -> ApiError:
    """A 404 naming the request field that points at nothing the caller may see."""
    message = message or _("找不到该对象，或不在您的管辖范围内。")
    return ApiError(404, "not_found", message, [{"field": field, "message": message}])


def conflict(field: str, message: str) -> ApiError:
    """A 409: someone changed the object since the caller read it (``field`` is usually ``version``)."""
    return ApiError(409, "conflict", message, [{"field": field, "message": message}])


@contextmanager
def acting(
    field_names: dict[str, str] | None = None,
    as_conflict: Callable[[ValidationError], ApiError | None] | None = None,
) -> Iterator[None]:
    """Run an action for an endpoint: a ``PermissionDenied`` is a 403, a ``ValidationError`` a 422
    with the API's field names (``field_names``), or the error ``as_conflict`` makes of it (a 409), if it
    makes one."""
    try:
        yield
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc) or _("您没有执行此操作的权限。")) from None
    except ValidationError as exc:
        found = as_conflict(exc) if as_conflict else None
        raise (found or invalid_from(exc, field_names)) from None
