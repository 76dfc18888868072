"""The page helpers the apps' views share (``core.page_views``)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from shequ.core.page_views import XLSX, export_or_back, paged, run_action, submit, xlsx_response


def _request(method: str = "get", data: dict[str, str] | None = None) -> HttpRequest:
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


class NameForm(forms.Form):
    name = forms.CharField()


def test_paged_gives_the_page_and_the_query_without_it() -> None:
    request = _request(data={"page": "2", "q": "街道", "kind": "a"})
    page, query = paged(request, list(range(25)), 10)
    assert page.number == 2
    assert list(page.object_list) == list(range(10, 20))
    assert "page" not in query and "kind=a" in query and "q=" in query


def test_paged_answers_the_last_page_for_a_page_past_the_end() -> None:
    page, query = paged(_request(data={"page": "9"}), list(range(25)), 10)
    assert page.number == 3 and query == ""


def test_xlsx_response_is_a_download_never_cached() -> None:
    response = xlsx_response(b"PK", "list.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    assert response["Cache-Control"] == "no-store"
    assert response.content == b"PK"


def test_export_or_back_takes_a_pair_or_a_file() -> None:
    class File:
        filename, content = "b.xlsx", b"B"

    by_pair = export_or_back(_request(), lambda: ("a.xlsx", b"A"), "web:home")
    by_file = export_or_back(_request(), File, "web:home")
    assert by_pair.content == b"A" and 'filename="a.xlsx"' in by_pair["Content-Disposition"]
    assert by_file.content == b"B" and 'filename="b.xlsx"' in by_file["Content-Disposition"]


def test_export_or_back_goes_back_with_the_query_and_the_refusal() -> None:
    request = _request(data={"kind": "a"})

    def refuse() -> Any:
        raise ValidationError("太多了。")

    response = export_or_back(request, refuse, "web:home")
    assert response.status_code == 302 and response["Location"].endswith("?kind=a")
    assert _said(request) == [("error", "太多了。")]


def _done(_result: Any) -> HttpResponse:
    return HttpResponse("done")


def test_submit_runs_the_action_flashes_and_answers_then() -> None:
    request = _request("post")
    form = NameForm({"name": "甲"})
    done = submit(request, form, lambda data: data["name"] * 2, lambda r: f"好了{r}", _done)
    assert done is not None and done.content == b"done"
    assert _said(request) == [("success", "好了甲甲")]


def test_submit_leaves_an_invalid_form_alone() -> None:
    calls: list[Any] = []
    form = NameForm({})
    assert submit(_request("post"), form, calls.append, "好", _done) is None
    assert calls == [] and "name" in form.errors


def test_submit_puts_the_action_errors_on_the_form() -> None:
    def refuse(data: Any) -> None:
        raise ValidationError({"name": "重名了。", "elsewhere": "另一处。"})

    form = NameForm({"name": "甲"})
    request = _request("post")
    assert submit(request, form, refuse, "好", _done) is None
    assert form.errors["name"] == ["重名了。"]
    assert form.non_field_errors() == ["另一处。"]
    assert _said(request) == []


def test_submit_lets_a_refusal_through_unless_asked() -> None:
    def refuse(data: Any) -> None:
        raise PermissionDenied("不归您管。")

    with pytest.raises(PermissionDenied):
        submit(_request("post"), NameForm({"name": "甲"}), refuse, "好", _done)
    on_top = NameForm({"name": "甲"})
    assert submit(_request("post"), on_top, refuse, "好", _done, refusal_on_form=True) is None
    assert on_top.non_field_errors() == ["不归您管。"]
    on_field = NameForm({"name": "甲"})
    assert submit(_request("post"), on_field, refuse, "好", _done, refusal_on_form="name") is None
    assert on_field.errors["name"] == ["不归您管。"]


def test_run_action_flashes_whatever_happened() -> None:
    request = _request("post")
    assert run_action(request, NameForm({"name": "甲"}), lambda data: None, "好了")
    assert _said(request) == [("success", "好了")]

    request = _request("post")
    assert not run_action(request, NameForm({}), lambda data: None, "好了")
    assert [level for level, _text in _said(request)] == ["error"]

    def refuse(data: Any) -> None:
        raise ValidationError("不行。")

    request = _request("post")
    assert not run_action(request, NameForm({"name": "甲"}), refuse, "好了")
    assert _said(request) == [("error", "不行。")]
