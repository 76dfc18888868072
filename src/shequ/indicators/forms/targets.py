"""The targets page's forms: a plan's file for a region, or one baseline or target by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.indicators.definitions import INDICATORS

MAX_FILE_BYTES = 256 * 1024


class TargetsFileForm(StyledForm):
    file = forms.FileField(
        label=_("指标目标文件（CSV）"),
        help_text=_(
            "UTF-8 编码的 CSV：code 列为指标代码，baseline_年份 / target_年份 列为基线和目标，"
            "property 列为 binding（约束性）或 expected（预期性）。可先下载本地区现有目标作为模板。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    source = forms.CharField(
        label=_("来源"),
        max_length=200,
        help_text=_("例如：某市三年行动实施方案专栏1"),
    )

    def clean_file(self) -> str:
        upload: Any = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件太大：目标文件不超过 256 KB。"))
        raw = upload.read()
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("文件不是 UTF-8 编码的 CSV，请另存为 UTF-8 后再上传。")
            ) from None


class TargetForm(StyledForm):
    indicator = forms.ChoiceField(
        label=_("指标"), choices=[(i.code, f"{i.number}. {i.short_name}") for i in INDICATORS]
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        label=_("类别"), choices=[("target", _("目标值")), ("baseline", _("基线值"))]
    )
    value = forms.DecimalField(label=_("数值"), min_value=0, max_digits=14, decimal_places=2)
    is_binding = forms.BooleanField(label=_("约束性指标"), required=False)
    source = forms.CharField(label=_("来源"), max_length=200, required=False)
