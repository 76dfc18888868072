"""Forms of the worker import pages: they parse input; ``actions.imports`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import SpreadsheetUploadForm
from shequ.territory.models import Region
from shequ.workforce.queries import imports as import_queries


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}


class UploadForm(SpreadsheetUploadForm):
    region = RegionChoiceField(
        label=_("导入范围"),
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_(
            "表格中每名工作者所在的村(社区)须在这里；导入到一个村(社区)时，表格可以不填社区代码。"
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        regions = import_queries.importable_regions(user)
        super().__init__(*args, regions=regions, **kwargs)
        first = regions.first()
        if first is not None:
            self.fields["region"].initial = first.pk
