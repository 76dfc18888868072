"""Forms of the spreadsheet import pages: they parse input; ``actions.imports`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import SpreadsheetUploadForm
from shequ.registry.queries import imports as import_queries
from shequ.territory.models import Region


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class UploadForm(SpreadsheetUploadForm):
    region = RegionChoiceField(
        label=_("导入到"),
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_("表格中的户须在这里；表格中不填村(社区)代码的，导入到所选的村(社区)。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        regions = import_queries.importable_regions(user)
        super().__init__(*args, regions=regions, **kwargs)
        only = list(regions[:2])
        if len(only) == 1:
            self.fields["region"].initial = only[0].pk
