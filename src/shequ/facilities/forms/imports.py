"""Forms of the facility import pages: they parse input; ``actions.imports`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core import spreadsheets
from shequ.core.forms import StyledForm
from shequ.facilities.queries import imports as import_queries
from shequ.registry.models import ImportMode
from shequ.territory.models import Region


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _("%(name)s（%(code)s）") % {"name": obj.name, "code": obj.code}


class UploadForm(StyledForm):
    region = RegionChoiceField(
        label=_("导入范围"),
        queryset=Region.objects.none(),
        empty_label=_("请选择"),
        help_text=_(
            "表格中每个设施所在的村(社区)须在这里；导入到一个村(社区)时，表格可以不填社区代码。"
        ),
    )
    file = forms.FileField(
        label=_("表格文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，请使用导入模板。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def __init__(self, *args: Any, user: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = import_queries.importable_regions(user)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        first = regions.first()
        if first is not None:
            self.fields["region"].initial = first.pk
        # The upload handler stopped reading a file over the limit: say so, not "required".
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean_file(self) -> Any:
        if self.too_large:
            raise forms.ValidationError(
                spreadsheets.too_large_message(None, spreadsheets.max_bytes())
            )
        return self.cleaned_data["file"]


class StartForm(forms.Form):
    """The import mode (the page draws the radio buttons itself, with an explanation of each)."""

    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportMode.choices)
