"""Presentation helpers the apps' pages share: paged lists (and whole list pages), workbook downloads,
and running an action from a posted form with its errors shown the usual way.

Layer 0: Django only. Apps' views use these; domain modules never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from shequ.core.forms import apply_action_errors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paged(request: HttpRequest, items: Any, per_page: int, param: str = "page") -> tuple[Page, str]:
    """The page of ``items`` that ``?page=`` asks for, and the request's query string without it
    (for export links and the pager)."""
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return page, query.urlencode()


def list_page(
    request: HttpRequest,
    template: str,
    items: Any,
    per_page: int,
    *,
    form: forms.Form | None = None,
    **context: Any,
) -> HttpResponse:
    """A list page: ``template`` rendered with the page of ``items`` that ``?page=`` asks for
    (``page_obj``), the query string without it (``query``), the filter ``form`` when there is one
    (``form``) and the rest of ``context``. ``items`` is already scoped and filtered by the caller."""
    page, query = paged(request, items, per_page)
    shown: dict[str, Any] = {"page_obj": page, "query": query}
    if form is not None:
        shown["form"] = form
    return render(request, template, {**shown, **context})


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook download, never cached."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def export_or_back(request: HttpRequest, export: Callable[[], Any], back: str) -> HttpResponse:
    """The workbook ``export()`` makes (an object with ``filename`` and ``content``, or a
    ``(filename, content)`` pair); if it refuses the filters (``ValidationError``), back to the list
    page named ``back`` with the same query and the refusal as messages."""
    try:
        made = export()
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(reverse(back) + "?" + request.GET.urlencode())
    filename, content = made if isinstance(made, tuple) else (made.filename, made.content)
    return xlsx_response(content, filename)


def _said(success: str | Callable[[Any], str], result: Any) -> str:
    return success(result) if callable(success) else success


def submit(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str],
    then: Callable[[Any], HttpResponse],
    *,
    refusal_on_form: bool | str = False,
) -> HttpResponse | None:
    """Run ``act(form.cleaned_data)`` if ``form`` is valid, flash ``success`` (or ``success(result)``)
    and answer ``then(result)``. None when the form is invalid or the action refuses it: its
    ``ValidationError`` goes onto the form (as ``apply_action_errors`` does) and, with
    ``refusal_on_form`` (True: at the top; a name: under that field), so does a ``PermissionDenied``,
    which otherwise propagates. The caller then shows the form again."""
    if not form.is_valid():
        return None
    try:
        result = act(form.cleaned_data)
    except ValidationError as exc:
        apply_action_errors(form, exc)
        return None
    except PermissionDenied as exc:
        if refusal_on_form is False:
            raise
        form.add_error(None if refusal_on_form is True else refusal_on_form, str(exc))
        return None
    messages.success(request, _said(success, result))
    return then(result)


def flash_form_errors(request: HttpRequest, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def run_action(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str],
) -> bool:
    """For a small form posted from a detail page that always goes back to it: run
    ``act(form.cleaned_data)`` if ``form`` is valid and flash ``success`` (True); otherwise flash the
    form's errors or the action's ``ValidationError`` (False)."""
    if not form.is_valid():
        flash_form_errors(request, form)
        return False
    try:
        result = act(form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc)
        return False
    messages.success(request, _said(success, result))
    return True
