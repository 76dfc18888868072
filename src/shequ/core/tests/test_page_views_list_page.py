"""``core.page_views.list_page``: the paged list page every staff list is built from."""

from __future__ import annotations

from django import forms
from django.test import RequestFactory, override_settings

from shequ.core.page_views import list_page

TEMPLATE = (
    "{{ page_obj.number }}/{{ page_obj.paginator.num_pages }}:"
    "{% for i in page_obj %}{{ i }},{% endfor %}|{{ query }}|{{ form.q.value|default:'-' }}|{{ extra }}"
)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [("django.template.loaders.locmem.Loader", {"list.html": TEMPLATE})]
        },
    }
]


class QueryForm(forms.Form):
    q = forms.CharField(required=False)


@override_settings(TEMPLATES=TEMPLATES)
def test_renders_the_asked_page_the_query_without_it_the_form_and_the_context() -> None:
    request = RequestFactory().get("/list/", {"page": "2", "q": "街道"})
    response = list_page(
        request, "list.html", list(range(25)), 10, form=QueryForm(request.GET), extra="额外"
    )
    assert response.status_code == 200
    assert response.content.decode() == (
        "2/3:10,11,12,13,14,15,16,17,18,19,|q=%E8%A1%97%E9%81%93|街道|额外"
    )


@override_settings(TEMPLATES=TEMPLATES)
def test_without_a_form_and_past_the_last_page() -> None:
    request = RequestFactory().get("/list/", {"page": "9"})
    response = list_page(request, "list.html", list(range(5)), 10)
    assert response.content.decode() == "1/1:0,1,2,3,4,||-|"
